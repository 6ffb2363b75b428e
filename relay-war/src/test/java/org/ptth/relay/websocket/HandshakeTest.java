package org.ptth.relay.websocket;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.ptth.relay.errors.RelayException;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/** The checks of the opening handshake, each refusal with its status, and the 101's headers. */
class HandshakeTest {

    private static HttpServletRequest request(final Map<String, String> headers) {
        final HttpServletRequest r = mock(HttpServletRequest.class);
        when(r.getHeaders(anyString())).thenAnswer(call -> {
            final String v = headers.get(((String) call.getArgument(0)).toLowerCase());
            return Collections.enumeration(v == null ? List.of() : List.of(v));
        });
        when(r.getHeader(anyString())).thenAnswer(call -> headers.get(((String) call.getArgument(0)).toLowerCase()));
        when(r.getContentLengthLong()).thenReturn(-1L);
        return r;
    }

    private static Map<String, String> valid() {
        final Map<String, String> h = new HashMap<>();
        h.put("upgrade", "WebSocket");
        h.put("connection", "keep-alive, Upgrade");
        h.put("sec-websocket-version", "13");
        h.put("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
        h.put("sec-websocket-protocol", "chat, ptth-mux-1");
        return h;
    }

    @Test
    void theAcceptValueIsTheRfcsExample() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Handshake.acceptValue("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    @Test
    void aValidRequestGetsTheHeadersOfThe101() throws Exception {
        final HttpServletResponse response = mock(HttpServletResponse.class);
        Handshake.check(request(valid()), response).accept(response);
        verify(response).setHeader("Upgrade", "websocket");
        verify(response).setHeader("Connection", "Upgrade");
        verify(response).setHeader("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        verify(response).setHeader("Sec-WebSocket-Protocol", "ptth-mux-1");
    }

    @Test
    void eachMissingPartIsRefusedWithItsStatus() {
        assertRefused("upgrade", null, 426, "Upgrade: websocket");
        assertRefused("connection", "keep-alive", 426, "Upgrade: websocket");
        assertRefused("sec-websocket-version", "8", 426, "version 13");
        assertRefused("sec-websocket-key", "c2hvcnQ=", 400, "16 bytes");
        assertRefused("sec-websocket-protocol", "chat", 400, "ptth-mux-1");
    }

    @Test
    void aRequestWithABodyIsRefused() {
        final HttpServletRequest r = request(valid());
        when(r.getContentLengthLong()).thenReturn(10L);
        final RelayException e = assertThrows(RelayException.class, () -> Handshake.check(r, mock(HttpServletResponse.class)));
        assertEquals(400, e.status());
    }

    private static void assertRefused(final String header, final String value, final int status, final String reasonPart) {
        final Map<String, String> h = valid();
        if (value == null) {
            h.remove(header);
        } else {
            h.put(header, value);
        }
        final RelayException e = assertThrows(RelayException.class,
                () -> Handshake.check(request(h), mock(HttpServletResponse.class)), header);
        assertEquals(status, e.status(), header);
        assertTrue(e.getMessage().contains(reasonPart), e.getMessage());
    }
}
