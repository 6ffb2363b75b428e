package org.ptth.e2e.harness;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Something at the relay's URL that is not the relay: it reads each request's head (never its body)
 * and answers with a canned response, then closes the connection. Raw sockets, so that a response
 * can be cut short on purpose.
 */
public final class GarbageRelay implements AutoCloseable {

    /** What every request gets. */
    public enum Answer {
        /** 200 and an HTML page, as a misconfigured reverse proxy or a captive portal answers. */
        HTML_PAGE,
        /** 200 with a valid Ptth-Connection-Id header but an HTML page as the body instead of frames. */
        HTML_BODY_WITH_ID,
        /** 200 with a valid Ptth-Connection-Id and a body that starts as frames and is cut mid-frame. */
        TRUNCATED_FRAMES
    }

    private static final String ID = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    private static final String HTML = "<!DOCTYPE html>\n<html><head><title>Welcome</title></head>\n"
            + "<body><h1>It works!</h1><p>This is the default page of this web server.</p></body></html>\n";

    private final ServerSocket serverSocket;
    private final Answer answer;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile boolean closed;

    private GarbageRelay(final Answer answer) throws IOException {
        this.answer = answer;
        this.serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    public static GarbageRelay start(final Answer answer) throws IOException {
        final GarbageRelay relay = new GarbageRelay(answer);
        final Thread acceptor = new Thread(relay::acceptLoop, "garbage-relay-" + answer);
        acceptor.setDaemon(true);
        acceptor.start();
        return relay;
    }

    /** A relay base URL that leads here. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + serverSocket.getLocalPort() + "/ptth-relay/");
    }

    /** How many request heads were answered so far. */
    public int requests() {
        return requests.get();
    }

    private void acceptLoop() {
        while (!closed) {
            final Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (final IOException e) {
                return;
            }
            open.add(socket);
            final Thread t = new Thread(() -> serve(socket), "garbage-relay-connection");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(final Socket socket) {
        try (socket) {
            socket.setSoTimeout(30_000);
            final String head = readHead(socket.getInputStream());
            if (head == null) {
                return;
            }
            requests.incrementAndGet();
            if (head.startsWith("POST ") && head.contains("/upstream/")) {
                // a tunnel's upload is read as long as the proxy sends it, as a web server reads a
                // request: the tunnel's end then comes from the garbage answered to its connect (what
                // this relay is here for), not from whichever of the two calls the proxy saw cut first
                socket.getInputStream().transferTo(OutputStream.nullOutputStream());
            }
            socket.getOutputStream().write(response());
            socket.getOutputStream().flush();
            // any other call: closed without reading its body, so the proxy sees this connection end
        } catch (final IOException e) {
            // the proxy went away: nothing to do
        } finally {
            open.remove(socket);
        }
    }

    private byte[] response() {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (answer) {
            case HTML_PAGE -> out.writeBytes(head("text/html; charset=UTF-8", HTML.length(), false));
            case HTML_BODY_WITH_ID -> out.writeBytes(head("text/html; charset=UTF-8", HTML.length(), true));
            case TRUNCATED_FRAMES -> {
                // promises 4 + 4 + 1000 bytes (preamble, a DATA frame of 1000 bytes) and sends 4 + 4 + 10
                out.writeBytes(head("application/octet-stream", 4 + 4 + 1000, true));
                out.writeBytes("PTH1".getBytes(US_ASCII));
                out.writeBytes(new byte[] {'D', 0, 0x03, (byte) 0xe8});
                out.writeBytes("0123456789".getBytes(US_ASCII));
                return out.toByteArray();
            }
            default -> throw new IllegalStateException(answer.toString());
        }
        out.writeBytes(HTML.getBytes(US_ASCII));
        return out.toByteArray();
    }

    private static byte[] head(final String contentType, final int length, final boolean withId) {
        return ("HTTP/1.1 200 OK\r\n"
                + "Content-Type: " + contentType + "\r\n"
                + "Content-Length: " + length + "\r\n"
                + (withId ? "Ptth-Connection-Id: " + ID + "\r\n" : "")
                + "Connection: close\r\n\r\n").getBytes(US_ASCII);
    }

    /** Reads up to the blank line that ends a request head; null if the connection ends first. */
    private static String readHead(final InputStream in) throws IOException {
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        final byte[] end = {'\r', '\n', '\r', '\n'};
        for (int b; (b = in.read()) != -1; ) {
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == end.length) {
                return head.toString(US_ASCII);
            }
        }
        return null;
    }

    @Override
    public void close() {
        closed = true;
        try {
            serverSocket.close();
        } catch (final IOException e) {
            // nothing more to do
        }
        for (final Socket s : open) {
            try {
                s.close();
            } catch (final IOException e) {
                // nothing more to do
            }
        }
    }
}
