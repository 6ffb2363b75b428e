package org.ptth.relay.websocket;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.protocol.mux.Frames;
import org.ptth.relay.errors.RelayException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Enumeration;
import java.util.Locale;

/**
 * The server's side of the WebSocket opening handshake (RFC 6455 section 4.2): checks what the
 * client asked for and writes the 101 answer's headers. A request that went through a front that
 * does not pass WebSocket arrives without its Upgrade header: 426, so that a proxy can tell.
 */
public final class Handshake {
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final String VERSION = "13";

    private final String key;

    private Handshake(final String key) {
        this.key = key;
    }

    /** The handshake the request asks for, or the refusal of the status table that fits it. */
    public static Handshake check(final HttpServletRequest request, final HttpServletResponse response)
            throws RelayException {
        if (!hasToken(request, "Upgrade", "websocket") || !hasToken(request, "Connection", "upgrade")) {
            response.setHeader("Upgrade", "websocket");
            throw new RelayException(426, "this endpoint is a WebSocket (Upgrade: websocket, Connection: Upgrade); "
                    + "a front that drops the upgrade needs its WebSocket settings, or the proxies use four-stream");
        }
        if (request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null) {
            throw RelayException.badRequest("a WebSocket upgrade request has no body");
        }
        final String version = request.getHeader("Sec-WebSocket-Version");
        if (!VERSION.equals(version == null ? null : version.strip())) {
            response.setHeader("Sec-WebSocket-Version", VERSION);
            throw new RelayException(426, "WebSocket version 13 only (Sec-WebSocket-Version)");
        }
        final String key = request.getHeader("Sec-WebSocket-Key");
        if (!validKey(key)) {
            throw RelayException.badRequest("Sec-WebSocket-Key must be 16 bytes in base64");
        }
        if (!hasToken(request, "Sec-WebSocket-Protocol", Frames.SUBPROTOCOL)) {
            throw RelayException.badRequest("the WebSocket subprotocol must be " + Frames.SUBPROTOCOL
                    + " (Sec-WebSocket-Protocol)");
        }
        return new Handshake(key.strip());
    }

    /** The 101 answer's headers; the container sets the status when the request is upgraded. */
    public void accept(final HttpServletResponse response) {
        response.setHeader("Upgrade", "websocket");
        response.setHeader("Connection", "Upgrade");
        response.setHeader("Sec-WebSocket-Accept", acceptValue(key));
        response.setHeader("Sec-WebSocket-Protocol", Frames.SUBPROTOCOL);
    }

    /** base64(SHA-1(key + the RFC's GUID)) */
    static String acceptValue(final String key) {
        try {
            final MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return Base64.getEncoder().encodeToString(
                    sha1.digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-1", e);
        }
    }

    private static boolean validKey(final String key) {
        if (key == null) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key.strip()).length == 16;
        } catch (final IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether a comma-separated header (possibly repeated) holds the token, case-insensitively. */
    private static boolean hasToken(final HttpServletRequest request, final String header, final String token) {
        final Enumeration<String> values = request.getHeaders(header);
        if (values == null) {
            return false;
        }
        final String wanted = token.toLowerCase(Locale.ROOT);
        while (values.hasMoreElements()) {
            for (final String part : values.nextElement().split(",")) {
                if (part.strip().toLowerCase(Locale.ROOT).equals(wanted)) {
                    return true;
                }
            }
        }
        return false;
    }
}
