package org.ptth.proxy.relayclient;

import java.io.IOException;
import java.io.InputStream;

/**
 * A response from the relay whose body may be a never-ending stream of frames, from either client:
 * what the tunnel's inbound pump reads and the openers check.
 */
public interface StreamedResponse extends AutoCloseable {

    int status();

    /** The first value of a header, or null. */
    String header(String name);

    /** The streamed body; an empty stream when the response has none. */
    InputStream body() throws IOException;

    /**
     * The one-line form of an error response, {@code HTTP 404: no such server or port online}.
     * A body that is not the relay's plain text (an HTML page from a proxy, say) is named, not shown.
     */
    String errorLine();

    /**
     * True when the answer is the relay's own (plain text): an HTML error page or the like comes
     * from something in front of the relay, such as a Tomcat without the relay deployed (yet).
     */
    default boolean isRelayAnswer() {
        final String type = header("Content-Type");
        return type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("text/plain");
    }

    /** Ends a finished exchange and lets its connection go back to the pool. */
    void closeGracefully();

    /** Ends the exchange without reading the rest of its body, which may never end (a live tunnel). */
    @Override
    void close();
}
