package org.ptth.relay.errors;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.ptth.protocol.Headers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

class ErrorResponsesTest {

    @Test
    void theReasonIsInTheBodyAndEscapedInTheHead() throws IOException {
        final HttpServletResponse response = mock(HttpServletResponse.class);
        final ServletOutputStream out = mock(ServletOutputStream.class);
        when(response.getOutputStream()).thenReturn(out);

        assertTrue(ErrorResponses.send(response, 410, "tunnel closed:\r\ncaf\u00e9 at 100%", 0, true));

        verify(response).setStatus(410);
        verify(response).setHeader("Connection", "close");
        verify(response).setHeader(Headers.REASON, "tunnel closed: caf%C3%A9 at 100%25");
        final ArgumentCaptor<byte[]> body = ArgumentCaptor.forClass(byte[].class);
        verify(out).write(body.capture());
        assertEquals("tunnel closed: caf\u00e9 at 100%\n", new String(body.getValue(), StandardCharsets.UTF_8));
    }

    @Test
    void controlCharactersCannotSplitTheHead() {
        assertEquals("a%0Db%0Ac%00d%7F", ErrorResponses.headerSafe("a\rb\nc\u0000d\u007f"));
    }

    @Test
    void aCommittedResponseIsLeftAlone() throws IOException {
        final HttpServletResponse response = mock(HttpServletResponse.class);
        when(response.isCommitted()).thenReturn(true);

        assertFalse(ErrorResponses.send(response, 502, "late", 0, false));

        verify(response, never()).setStatus(502);
        verify(response, never()).setHeader(Headers.REASON, "late");
    }
}
