package org.ptth.relay.mux;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;

/**
 * A carrier whose peer reads only when the test says so ({@link #writable}) and never answers a
 * close; it records the type of every frame sent, in order, the close and the cut.
 */
final class ScriptedCarrier implements Carrier {
    volatile boolean writable;
    private final List<String> events = new ArrayList<>();

    synchronized List<String> events() {
        return new ArrayList<>(events);
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public boolean sendOwn() {
        return false;
    }

    @Override
    public synchronized void send(final byte[] buffer, final int length) {
        final ByteBuffer frames = ByteBuffer.wrap(buffer, HEADER_ROOM, length);
        while (frames.hasRemaining()) {
            final int start = frames.position();
            final FrameType type = FrameType.of(frames.get(start));
            events.add(type.name());
            frames.position(start + Frames.size(frames.getInt(start) & 0xff_ffff));
        }
    }

    @Override
    public synchronized void close(final int code, final String reason) {
        events.add("close " + code + " " + reason);
    }

    @Override
    public synchronized void cut() {
        events.add("cut");
    }
}
