package org.ptth.relay.endpoints;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.ptth.relay.auth.KeyHashes;
import org.ptth.relay.config.ConfigParser;
import org.ptth.relay.config.RelayConfig;

import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

class OperatorGateTest {
    private static final String KEY = "a".repeat(64);
    private static final OperatorGate METRICS = new OperatorGate("the metrics endpoint", List.of("GET", "HEAD"),
            "metrics.key-sha256", RelayConfig::metricsAuthenticator, "ptth-relay metrics");
    private static final OperatorGate STATUS = new OperatorGate("the status endpoint", List.of("POST"),
            "admin.key-sha256", RelayConfig::adminAuthenticator, null);

    private final HttpServletResponse response = mock(HttpServletResponse.class);
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    OperatorGateTest() throws Exception {
        final ServletOutputStream out = mock(ServletOutputStream.class);
        doAnswer(call -> {
            body.write((byte[]) call.getArgument(0));
            return null;
        }).when(out).write(any(byte[].class));
        when(response.getOutputStream()).thenReturn(out);
    }

    private static HttpServletRequest call(final String method, final String authorization) {
        final HttpServletRequest request = mock(HttpServletRequest.class);
        when(request.getMethod()).thenReturn(method);
        when(request.getHeader("Authorization")).thenReturn(authorization);
        return request;
    }

    private static RelayConfig config(final String lines) throws Exception {
        return ConfigParser.parse(new StringReader(lines), "test");
    }

    private String answered() {
        return body.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anotherMethodGets405WithTheMethodItTakesBeforeAnythingElse() throws Exception {
        assertFalse(STATUS.admits(call("GET", null), response, null, () -> "not asked"));
        verify(response).setStatus(405);
        verify(response).setHeader("Allow", "POST");
        assertEquals("the status endpoint takes POST\n", answered());
    }

    @Test
    void withoutAConfigurationTheAnswerIs503WithWhyAndRetryAfter() throws Exception {
        assertFalse(METRICS.admits(call("HEAD", "Bearer " + KEY), response, null, () -> "config file missing"));
        verify(response).setStatus(503);
        verify(response).setIntHeader("Retry-After", 10);
        assertEquals("config file missing\n", answered());
    }

    @Test
    void withoutItsKeyInTheConfigurationTheEndpointIsAbsent() throws Exception {
        final RelayConfig config = config("admin.key-sha256=" + KeyHashes.sha256Hex(KEY) + "\n");
        assertFalse(METRICS.admits(call("GET", "Bearer " + KEY), response, config, () -> "not asked"));
        verify(response).setStatus(404);
        assertEquals("no metrics.key-sha256 configured\n", answered());
    }

    @Test
    void aWrongKeyGets401AndTheRealmWhereTheEndpointHasOne() throws Exception {
        final RelayConfig config = config("admin.key-sha256=" + KeyHashes.sha256Hex(KEY) + "\n"
                + "metrics.key-sha256=" + KeyHashes.sha256Hex("c".repeat(64)) + "\n");
        assertFalse(METRICS.admits(call("GET", "Bearer " + "b".repeat(64)), response, config, () -> "not asked"));
        verify(response).setStatus(401);
        verify(response).setHeader("WWW-Authenticate", "Bearer realm=\"ptth-relay metrics\"");
        assertEquals("missing or unknown key\n", answered());

        final HttpServletResponse other = mock(HttpServletResponse.class);
        when(other.getOutputStream()).thenReturn(mock(ServletOutputStream.class));
        assertFalse(STATUS.admits(call("POST", null), other, config, () -> "not asked"));
        verify(other).setStatus(401);
        verify(other, never()).setHeader(eq("WWW-Authenticate"), anyString());
    }

    @Test
    void theRightKeyPassesAndNothingIsAnswered() throws Exception {
        final RelayConfig config = config("admin.key-sha256=" + KeyHashes.sha256Hex(KEY) + "\n");
        assertTrue(STATUS.admits(call("POST", "Bearer " + KEY), response, config, () -> "not asked"));
        verify(response, never()).setStatus(anyInt());
        assertEquals("", answered());
    }
}
