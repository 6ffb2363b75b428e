import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The small helpers of scripts/demo, so that the demo needs nothing but a JDK:
 *
 * <pre>
 *   ports N                      print N free TCP ports of 127.0.0.1, one per line
 *   echo HOST PORT               run a TCP echo server (one thread per connection) until killed
 *   wait-relay URL SECONDS       wait until the relay at URL answers a POST without key with 401
 *   wait-listen PORT SECONDS     wait until something listens on TCP port PORT
 *   check HOST PORT SECONDS      send one line to HOST:PORT and expect it back; exit 0 or 1
 * </pre>
 */
public final class DemoSupport {

    public static void main(final String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        switch (args[0]) {
            case "ports":
                ports(Integer.parseInt(arg(args, 1)));
                break;
            case "echo":
                echo(arg(args, 1), Integer.parseInt(arg(args, 2)));
                break;
            case "wait-relay":
                System.exit(waitRelay(URI.create(arg(args, 1)), seconds(args, 2)));
                break;
            case "wait-listen":
                System.exit(waitListen(Integer.parseInt(arg(args, 1)), seconds(args, 2)));
                break;
            case "check":
                System.exit(check(arg(args, 1), Integer.parseInt(arg(args, 2)), seconds(args, 3)));
                break;
            default:
                usage();
        }
    }

    private static void ports(final int count) throws IOException {
        final List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                final ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                System.out.println(s.getLocalPort());
            }
        } finally {
            for (final ServerSocket s : held) {
                s.close();
            }
        }
    }

    private static void echo(final String host, final int port) throws IOException {
        try (ServerSocket server = new ServerSocket(port, 50, InetAddress.getByName(host))) {
            System.err.println("echo server listening on " + host + ":" + port);
            while (true) {
                final Socket socket = server.accept();
                final Thread thread = new Thread(() -> serveEcho(socket), "echo-" + socket.getPort());
                thread.setDaemon(true);
                thread.start();
            }
        }
    }

    private static void serveEcho(final Socket socket) {
        final String peer = socket.getRemoteSocketAddress().toString();
        System.err.println("echo: " + peer + " connected");
        try (socket) {
            final long bytes = socket.getInputStream().transferTo(socket.getOutputStream());
            socket.shutdownOutput();
            System.err.println("echo: " + peer + " done, " + bytes + " bytes echoed");
        } catch (final IOException e) {
            System.err.println("echo: " + peer + " failed: " + e);
        }
    }

    private static int waitRelay(final URI base, final long seconds) throws InterruptedException {
        final URI probe = base.resolve("v1/demo/listen/probe");
        final long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        int status = -1;
        while (System.nanoTime() - deadline < 0) {
            status = post(probe);
            if (status == 401) {
                return 0;
            }
            if (status == 503) {
                System.err.println("the relay answers 503: its configuration was refused (see the Tomcat log)");
                return 2;
            }
            Thread.sleep(200);
        }
        System.err.println("the relay at " + base + " did not answer 401 within " + seconds + " s (last status "
                + status + ")");
        return 1;
    }

    private static int post(final URI uri) {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) uri.toURL().openConnection();
            c.setRequestMethod("POST");
            c.setConnectTimeout(2_000);
            c.setReadTimeout(10_000);
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(0);
            c.getOutputStream().close();
            final int status = c.getResponseCode();
            final InputStream body = status >= 400 ? c.getErrorStream() : c.getInputStream();
            if (body != null) {
                try (body) {
                    body.readAllBytes();
                }
            }
            return status;
        } catch (final IOException e) {
            return -1;
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    /** Reads the kernel's socket table (no probe connection, which would open a tunnel) where there is one. */
    private static int waitListen(final int port, final long seconds) throws InterruptedException {
        final long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() - deadline < 0) {
            if (isListening(port)) {
                return 0;
            }
            Thread.sleep(200);
        }
        System.err.println("nothing listens on port " + port + " after " + seconds + " s");
        return 1;
    }

    private static boolean isListening(final int port) {
        final Path tcp = Path.of("/proc/net/tcp");
        if (!Files.isReadable(tcp)) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
                return true;
            } catch (final IOException e) {
                return false;
            }
        }
        final String suffix = ":" + String.format(Locale.ROOT, "%04X", port);
        for (final Path table : List.of(tcp, Path.of("/proc/net/tcp6"))) {
            try {
                if (Files.isReadable(table) && Files.readAllLines(table, StandardCharsets.US_ASCII).stream().skip(1)
                        .map(l -> l.trim().split("\\s+"))
                        .anyMatch(f -> f.length > 3 && f[1].endsWith(suffix) && "0A".equals(f[3]))) {
                    return true;
                }
            } catch (final IOException e) {
                // try the next table
            }
        }
        return false;
    }

    private static int check(final String host, final int port, final long seconds) {
        final byte[] nonce = new byte[8];
        new SecureRandom().nextBytes(nonce);
        final String line = "hello through ptth " + HexFormat.of().formatHex(nonce);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 10_000);
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, seconds * 1000));
            final OutputStream out = socket.getOutputStream();
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            final BufferedReader in = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            final String back = in.readLine();
            socket.shutdownOutput();
            if (line.equals(back)) {
                System.out.println("sent:     " + line);
                System.out.println("received: " + back);
                return 0;
            }
            System.err.println("sent " + line + " but received " + back);
            return 1;
        } catch (final IOException e) {
            System.err.println("the check through " + host + ":" + port + " failed: " + e);
            return 1;
        }
    }

    private static String arg(final String[] args, final int i) {
        if (args.length <= i) {
            usage();
        }
        return args[i];
    }

    private static long seconds(final String[] args, final int i) {
        return Long.parseLong(arg(args, i));
    }

    private static void usage() {
        System.err.println("usage: DemoSupport ports N | echo HOST PORT | wait-relay URL SECONDS"
                + " | wait-listen PORT SECONDS | check HOST PORT SECONDS");
        System.exit(64);
    }
}
