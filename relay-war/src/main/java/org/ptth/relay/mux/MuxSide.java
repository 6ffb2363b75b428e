package org.ptth.relay.mux;

import java.nio.ByteBuffer;

import org.ptth.protocol.mux.FrameType;

/** A tunnel's half on a mux connection: its number there, and the connection's outbox. */
final class MuxSide implements Side {
    private final MuxConnection connection;
    private final int number;
    private final MuxTunnel tunnel;

    MuxSide(final MuxConnection connection, final int number, final MuxTunnel tunnel) {
        this.connection = connection;
        this.number = number;
        this.tunnel = tunnel;
    }

    MuxTunnel tunnel() {
        return tunnel;
    }

    int number() {
        return number;
    }

    @Override
    public String transport() {
        return "mux";
    }

    @Override
    public String address() {
        return connection.address();
    }

    @Override
    public org.ptth.relay.auth.Principal principal() {
        return connection.principal();
    }

    @Override
    public void open(final String port, final String label, final ByteBuffer firstBytes) {
        connection.outbox().open(number, port, label, firstBytes);
        connection.openQueued();
        connection.wake();
    }

    @Override
    public void opened() {
        send(FrameType.OPENED, null);
    }

    @Override
    public void refused(final int status, final String reason) {
        connection.outbox().refuse(number, status, reason);
        connection.wake();
    }

    @Override
    public void data(final ByteBuffer bytes) {
        send(FrameType.DATA, bytes);
    }

    @Override
    public void end() {
        send(FrameType.END, null);
    }

    @Override
    public void abort(final String reason) {
        connection.outbox().abort(number, reason);
        connection.wake();
    }

    @Override
    public void credit(final int increment) {
        connection.outbox().credit(number, increment);
        connection.wake();
    }

    @Override
    public boolean congested() {
        return connection.congested(this);
    }

    @Override
    public void detach() {
        connection.forget(this);
    }

    private void send(final FrameType type, final ByteBuffer payload) {
        connection.outbox().frame(type, number, payload);
        connection.wake();
    }

    @Override
    public String toString() {
        return connection.id() + "." + Integer.toUnsignedString(number);
    }
}
