package org.ptth.proxy.relayclient;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ErrorLineTest {
    private static final String TEXT = "text/plain;charset=UTF-8";

    private static ErrorLine.Body body(final String text) {
        return () -> new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static final ErrorLine.Body RESET = () -> {
        throw new SocketException("Connection reset");
    };

    @Test
    void theBodysFirstLineIsTheReason() {
        assertEquals("HTTP 404: no such server or port online",
                ErrorLine.of(404, TEXT, "Not Found", null, body("no such server or port online\nmore")));
    }

    @Test
    void aBodyLostToAResetLeavesTheReasonOfTheHead() {
        assertEquals("HTTP 410: tunnel closed: client went away",
                ErrorLine.of(410, TEXT, "Gone", "tunnel closed: client went away", RESET));
    }

    @Test
    void theBodyWinsOverTheHead() {
        assertEquals("HTTP 502: from the body", ErrorLine.of(502, TEXT, null, "from the head", body("from the body\n")));
    }

    @Test
    void withoutEitherTheStatusPhraseIsAllThereIs() {
        assertEquals("HTTP 410 Gone", ErrorLine.of(410, TEXT, "Gone", null, RESET));
    }

    @Test
    void theHeadersEscapesAreUndone() {
        assertEquals("HTTP 502: caf\u00e9 100% refused",
                ErrorLine.of(502, TEXT, null, "caf%C3%A9 100%25 refused", RESET));
    }

    @Test
    void aMalformedEscapeStaysAsItCame() {
        assertEquals("50%G0 and %4", ErrorLine.unescape("50%G0 and %4"));
        assertEquals("%", ErrorLine.unescape("%"));
    }

    @Test
    void anHtmlPageIsNotTakenForAReason() throws IOException {
        assertEquals("HTTP 502 with a text/html body (not the relay's own answer?)",
                ErrorLine.of(502, "text/html", "Bad Gateway", null, body("<html>")));
    }
}
