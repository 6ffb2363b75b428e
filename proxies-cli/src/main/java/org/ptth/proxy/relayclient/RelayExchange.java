package org.ptth.proxy.relayclient;

import java.io.IOException;

/**
 * One HTTP exchange with the relay, as a tunnel sees it: something it can send, name in a message
 * and cut at once from any thread, whichever client (classic or duplex) carries it.
 */
public interface RelayExchange {

    /** Sends the request and returns the response once its head has come. */
    StreamedResponse execute() throws IOException;

    /** Aborts the exchange at once, whatever it is doing: the connection is shut, not reused. */
    void cancel();

    /** The endpoint, as in {@code connect/web}, for messages. */
    String description();
}
