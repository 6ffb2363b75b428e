package org.ptth.relay.mux;

/** Something that writes what was queued for it when flushed: a mux connection, or the HTTP body of a joined tunnel. */
public interface QueuedWriter {
    /** Writes what is queued, as far as the peer takes it now; any thread, never under a tunnel's lock. */
    void flush();
}
