package org.ptth.bench.probes;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.WebConnection;

import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What Tomcat's heap pays for each connection the relay holds open, by the way it is held: an
 * asynchronous request whose request and response bodies both stream (what a duplex exchange is
 * today), or a connection upgraded with HTTP/1.1 Upgrade and streamed through a WebConnection (what
 * an upgrade transport would hold). Both servers run in this JVM, on Tomcat's NIO connector with the
 * relay's settings; the clients run in a child JVM so that their sockets do not count.
 *
 * <pre>
 *   scripts/probes/hold-cost [N]   (java -cp bench/target/ptth-bench.jar org.ptth.bench.probes.HoldCost async|upgrade N)
 * </pre>
 * Each side of a held connection has read a first message and written one, with a read and a write
 * listener set, as the relay's pumps leave an idle tunnel. Heap is "used after a full GC".
 */
public final class HoldCost {
    private static final Queue<Object> HELD = new ConcurrentLinkedQueue<>();
    private static final byte[] HELLO = "PTH1".getBytes(StandardCharsets.US_ASCII);

    public static void main(final String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("clients")) {
            clients(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        if (args.length != 2 || !(args[0].equals("async") || args[0].equals("upgrade"))) {
            System.err.println("usage: HoldCost async|upgrade N");
            System.exit(64);
        }
        final String kind = args[0];
        final int n = Integer.parseInt(args[1]);
        final Tomcat tomcat = start();
        final int port = tomcat.getConnector().getLocalPort();
        System.out.printf("Tomcat %s, NIO connector, 8 KiB socket buffers: %s, twice %d connections%n",
                org.apache.catalina.util.ServerInfo.getServerNumber(), kind, n);
        final List<Process> children = new ArrayList<>();
        long before = heapAfterGc();
        for (int round = 1; round <= 2; round++) {
            final Process clients = new ProcessBuilder(javaBin(), "-cp", System.getProperty("java.class.path"),
                    HoldCost.class.getName(), "clients", kind, Integer.toString(port), Integer.toString(n))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            children.add(clients);
            final int opened = clients.getInputStream().read();
            if (opened != 'R' || HELD.size() < 2 * round * n) {
                throw new IllegalStateException(kind + ": the clients did not open " + n + " connections"
                        + " (held " + HELD.size() / 2 + ")");
            }
            final long with = heapAfterGc();
            System.out.printf("%-8s %s %5d: %6.1f KiB per held connection (heap after GC %.1f -> %.1f MiB)%n",
                    kind, round == 1 ? "first " : "second", n, (with - before) / 1024.0 / n,
                    before / 1048576.0, with / 1048576.0);
            before = with;
        }
        for (final Process clients : children) {
            clients.getOutputStream().close();
            clients.waitFor();
        }
        tomcat.stop();
        tomcat.destroy();
    }

    private static Tomcat start() throws Exception {
        final File base = Files.createTempDirectory("hold-cost").toFile();
        final Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.getPath());
        final Connector connector = new Connector("HTTP/1.1");
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        connector.setProperty("maxConnections", "10000");
        connector.setProperty("acceptCount", "1024");
        connector.setProperty("connectionTimeout", "600000");
        tomcat.setConnector(connector);
        final Context context = tomcat.addContext("", base.getPath());
        Tomcat.addServlet(context, "async", new AsyncHolder()).setAsyncSupported(true);
        context.addServletMapping("/async", "async");
        Tomcat.addServlet(context, "upgrade", new UpgradeHolder());
        context.addServletMapping("/upgrade", "upgrade");
        tomcat.start();
        return tomcat;
    }

    /** A held duplex exchange: request body read as it comes, response streamed, neither ended. */
    public static final class AsyncHolder extends HttpServlet {
        @Override
        protected void doPost(final HttpServletRequest req, final HttpServletResponse resp) throws IOException {
            final AsyncContext async = req.startAsync();
            async.setTimeout(0);
            resp.setStatus(200);
            final Ends ends = new Ends(req.getInputStream(), resp.getOutputStream());
            HELD.add(async);
            HELD.add(ends);
            ends.start();
        }
    }

    /** An upgraded connection: 101, then both directions through the WebConnection's streams. */
    public static final class UpgradeHolder extends HttpServlet {
        @Override
        protected void doGet(final HttpServletRequest req, final HttpServletResponse resp)
                throws IOException, jakarta.servlet.ServletException {
            resp.setStatus(101);
            resp.setHeader("Upgrade", "ptth");
            resp.setHeader("Connection", "Upgrade");
            req.upgrade(Upgraded.class);
        }
    }

    public static final class Upgraded implements HttpUpgradeHandler {
        @Override
        public void init(final WebConnection connection) {
            try {
                final Ends ends = new Ends(connection.getInputStream(), connection.getOutputStream());
                HELD.add(connection);
                HELD.add(ends);
                ends.start();
            } catch (final IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void destroy() {
        }
    }

    /** Reads whatever comes and answers the first message once, as an idle pumped stream does. */
    private static final class Ends implements ReadListener, WriteListener {
        private final ServletInputStream in;
        private final ServletOutputStream out;
        private final byte[] scratch = new byte[64];
        private boolean answered;

        Ends(final ServletInputStream in, final ServletOutputStream out) {
            this.in = in;
            this.out = out;
        }

        void start() {
            out.setWriteListener(this);
            in.setReadListener(this);
        }

        @Override
        public synchronized void onWritePossible() throws IOException {
            if (!answered && out.isReady()) {
                answered = true;
                out.write(HELLO);
                out.flush();
                out.isReady();
            }
        }

        @Override
        public synchronized void onDataAvailable() throws IOException {
            while (in.isReady() && in.read(scratch) >= 0) {
                // an idle tunnel has nothing to read; the first message is dropped
            }
        }

        @Override
        public void onAllDataRead() {
        }

        @Override
        public void onError(final Throwable t) {
        }
    }

    /** The child: opens N connections of one kind, reads each answer, says 'R', holds until stdin ends. */
    private static void clients(final String kind, final int port, final int n) throws IOException {
        final String head = kind.equals("async")
                ? "POST /async HTTP/1.1\r\nHost: probe\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nPTH1\r\n"
                : "GET /upgrade HTTP/1.1\r\nHost: probe\r\nConnection: Upgrade\r\nUpgrade: ptth\r\n\r\nPTH1";
        final List<Socket> sockets = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            final Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
            final OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            readUntilHello(socket.getInputStream(), kind);
            sockets.add(socket);
        }
        System.out.write('R');
        System.out.flush();
        System.in.read();
        for (final Socket socket : sockets) {
            socket.close();
        }
    }

    private static void readUntilHello(final InputStream in, final String kind) throws IOException {
        final StringBuilder seen = new StringBuilder();
        while (seen.indexOf("PTH1") < 0) {
            final int b = in.read();
            if (b < 0) {
                throw new IOException(kind + ": connection closed after " + seen);
            }
            seen.append((char) b);
        }
        final String status = seen.substring(0, seen.indexOf("\r\n"));
        if (!status.contains(kind.equals("async") ? " 200" : " 101")) {
            throw new IOException(kind + ": unexpected answer " + status);
        }
    }

    private static long heapAfterGc() throws InterruptedException {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
            least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return least;
    }

    private static String javaBin() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }
}
