package org.ptth.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real reverse proxy (nginx, Apache httpd or HAProxy from the system's packages) in front of the
 * relay, run in the foreground as a child process with a complete configuration of its own under
 * {@code dir}, listening on a free port of 127.0.0.1. Its console output goes to
 * {@code dir/console.log}, its own logs next to it.
 *
 * <p>The part of each configuration that matters, the one an operator pastes, is the caller's (see
 * {@link #snippet}); the rest is what any installation has: modules, worker limits, log and pid paths.
 * {@link #close()} stops the process and its workers (SIGTERM, then SIGKILL after a grace period) and
 * is safe to call more than once.
 */
public final class ReverseProxy implements AutoCloseable {

    /** Where the shipped snippets point at Tomcat; {@link #snippet} replaces it with the test's Tomcat. */
    public static final String SNIPPET_TOMCAT = "127.0.0.1:8080";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final String APACHE_MODULES = "/usr/lib/apache2/modules";

    private final String label;
    private final Path dir;
    private final String scheme;
    private final int port;
    private Process process;

    private ReverseProxy(final String label, final Path dir, final String scheme, final int port) {
        this.label = label;
        this.dir = dir;
        this.scheme = scheme;
        this.port = port;
    }

    /**
     * One of the files of the project's conf/ directory, with {@value #SNIPPET_TOMCAT} replaced by
     * {@code tomcat} (HOST:PORT). Fails if the file does not point at {@value #SNIPPET_TOMCAT}.
     */
    public static String snippet(final String confFile, final String tomcat) throws IOException {
        final Path file = TestEnvironment.confDir().resolve(confFile);
        final String text = Files.readString(file, StandardCharsets.UTF_8);
        if (!text.contains(SNIPPET_TOMCAT)) {
            throw new IllegalStateException(file + " does not mention " + SNIPPET_TOMCAT + " (Tomcat's address)");
        }
        return text.replace(SNIPPET_TOMCAT, tomcat);
    }

    /**
     * A file of conf/ for several relays, with the addresses {@code 127.0.0.1:8080}, {@code :8081},
     * {@code :8082} ... replaced in that order by {@code tomcats} (HOST:PORT each). Fails unless the file
     * names exactly as many.
     */
    public static String clusterSnippet(final String confFile, final List<String> tomcats) throws IOException {
        final Path file = TestEnvironment.confDir().resolve(confFile);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        for (int i = 0; i < tomcats.size(); i++) {
            final String placeholder = "127.0.0.1:" + (8080 + i);
            if (!text.contains(placeholder)) {
                throw new IllegalStateException(file + " does not mention " + placeholder + " (relay " + (i + 1) + ")");
            }
            text = text.replace(placeholder, tomcats.get(i));
        }
        if (text.contains("127.0.0.1:" + (8080 + tomcats.size()))) {
            throw new IllegalStateException(file + " names more relays than the " + tomcats.size() + " given");
        }
        return text;
    }

    /**
     * The two parts of an nginx snippet made of an http-level part and a server-level part, split at
     * the line {@value #NGINX_SERVER_PART}: what goes into http { } and what goes into server { }.
     */
    public static String[] nginxParts(final String snippet) {
        final int at = snippet.indexOf(NGINX_SERVER_PART + "\n");
        if (at < 0) {
            throw new IllegalArgumentException("the nginx snippet has no line \"" + NGINX_SERVER_PART + "\"");
        }
        return new String[] {snippet.substring(0, at), snippet.substring(at)};
    }

    /** The line of an nginx snippet before which its server { } part starts. */
    public static final String NGINX_SERVER_PART = "# ---- server { } block ----";

    /**
     * nginx with {@code serverBlock} (location blocks and the like) inside its only server block.
     *
     * @param tls the certificate and key in PEM files for an HTTPS listener, or null for plain HTTP
     */
    public static ReverseProxy nginx(final String label, final Path dir, final String serverBlock, final Tls tls)
            throws IOException {
        return nginx(label, dir, "", serverBlock, tls);
    }

    /** nginx with {@code httpBlock} (map, upstream) in its http block and {@code serverBlock} in its server block. */
    public static ReverseProxy nginx(final String label, final Path dir, final String httpBlock,
            final String serverBlock, final Tls tls) throws IOException {
        final ReverseProxy proxy = new ReverseProxy(label, dir, tls == null ? "http" : "https", FreePorts.next());
        Files.createDirectories(dir.resolve("temp"));
        final Path conf = dir.resolve("nginx.conf");
        final String temp = dir.resolve("temp").toString();
        Files.writeString(conf, String.join("\n",
                "# written by the ptth end-to-end harness (" + label + ")",
                // Workers of a root master would run as nobody, who may not write the temp paths here.
                isRoot() ? "user root;" : "",
                "daemon off;",
                "worker_processes 1;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log " + dir.resolve("error.log") + " info;",
                // 100 tunnels at four streams each, two connections per stream, plus listen polls.
                "worker_rlimit_nofile 8192;",
                "events { worker_connections 4096; }",
                "http {",
                "    access_log " + dir.resolve("access.log") + ";",
                "    client_body_temp_path " + temp + "/body;",
                "    proxy_temp_path " + temp + "/proxy;",
                "    fastcgi_temp_path " + temp + "/fastcgi;",
                "    uwsgi_temp_path " + temp + "/uwsgi;",
                "    scgi_temp_path " + temp + "/scgi;",
                httpBlock,
                "    server {",
                "        listen 127.0.0.1:" + proxy.port + (tls == null ? "" : " ssl") + ";",
                "        server_name 127.0.0.1;",
                tls == null ? "" : "        ssl_certificate " + tls.certificate() + ";",
                tls == null ? "" : "        ssl_certificate_key " + tls.privateKey() + ";",
                serverBlock,
                "    }",
                "}",
                ""), StandardCharsets.UTF_8);
        return proxy.start(List.of(ExternalTool.require("nginx", "nginx").toString(), "-p", dir.toString(), "-c", conf.toString(),
                "-e", dir.resolve("error.log").toString()));
    }

    /**
     * Apache httpd (event MPM) with {@code virtualHost} inside its only virtual host. It loads
     * mod_reqtimeout with Debian's default settings, so that a snippet is tested against them.
     */
    public static ReverseProxy apache(final String label, final Path dir, final String virtualHost)
            throws IOException {
        final ReverseProxy proxy = new ReverseProxy(label, dir, "http", FreePorts.next());
        Files.createDirectories(dir);
        final Path conf = dir.resolve("httpd.conf");
        final StringBuilder modules = new StringBuilder();
        for (final String module : List.of("mpm_event", "authz_core", "env", "headers", "reqtimeout", "proxy",
                "proxy_http")) {
            modules.append("LoadModule ").append(module).append("_module ")
                    .append(APACHE_MODULES).append("/mod_").append(module).append(".so\n");
        }
        Files.writeString(conf, String.join("\n",
                "# written by the ptth end-to-end harness (" + label + ")",
                "ServerRoot " + dir,
                "DefaultRuntimeDir " + dir,
                "PidFile " + dir.resolve("httpd.pid"),
                "ServerName 127.0.0.1",
                "Listen 127.0.0.1:" + proxy.port,
                modules.toString(),
                isRoot() ? "User www-data\nGroup www-data" : "",
                "ErrorLog " + dir.resolve("error.log"),
                "LogLevel warn",
                "LogFormat \"%h \\\"%r\\\" %>s %B %D\" timed",
                "CustomLog " + dir.resolve("access.log") + " timed",
                // Debian's mods-available/reqtimeout.conf
                "RequestReadTimeout header=20-40,minrate=500",
                "RequestReadTimeout body=10,minrate=500",
                // Each streaming request holds a worker thread: 100 tunnels need about 400.
                "ServerLimit 8",
                "ThreadLimit 128",
                "ThreadsPerChild 128",
                "StartServers 2",
                "MinSpareThreads 64",
                "MaxSpareThreads 1024",
                "MaxRequestWorkers 1024",
                "<VirtualHost 127.0.0.1:" + proxy.port + ">",
                virtualHost,
                "</VirtualHost>",
                ""), StandardCharsets.UTF_8);
        return proxy.start(List.of(ExternalTool.require("apache2", "apache2").toString(), "-d", dir.toString(), "-f", conf.toString(), "-DFOREGROUND"));
    }

    /**
     * HAProxy with {@code sections} (frontend and backend) after a global and a defaults section; the
     * line {@code bind :80} of the sections is replaced by this proxy's address.
     */
    public static ReverseProxy haproxy(final String label, final Path dir, final String sections)
            throws IOException {
        final ReverseProxy proxy = new ReverseProxy(label, dir, "http", FreePorts.next());
        if (!sections.contains("bind :80\n")) {
            throw new IllegalArgumentException("the HAProxy sections have no line \"bind :80\" to replace");
        }
        Files.createDirectories(dir);
        final Path conf = dir.resolve("haproxy.cfg");
        Files.writeString(conf, String.join("\n",
                "# written by the ptth end-to-end harness (" + label + ")",
                "global",
                "    maxconn 8192",
                "    log stdout format raw local0 info",
                "defaults",
                "    log global",
                "    option httplog",
                "    timeout connect 5s",
                "    timeout client 60s",
                "    timeout server 60s",
                sections.replace("bind :80\n", "bind 127.0.0.1:" + proxy.port + "\n"),
                ""), StandardCharsets.UTF_8);
        return proxy.start(List.of(ExternalTool.require("haproxy", "haproxy").toString(), "-f", conf.toString(), "-db"));
    }

    private ReverseProxy start(final List<String> command) throws IOException {
        final ProcessBuilder pb = new ProcessBuilder(command);
        pb.directory(dir.toFile());
        pb.redirectErrorStream(true);
        pb.redirectOutput(consoleLog().toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Files.writeString(dir.resolve("command"), String.join(" ", command) + "\n", StandardCharsets.UTF_8);
        process = pb.start();
        try {
            Waits.until(label + " to listen on 127.0.0.1:" + port, START_TIMEOUT, () -> {
                if (!process.isAlive()) {
                    throw new AssertionError(label + " exited with status " + process.exitValue()
                            + " before it listened on port " + port + "\n" + logTail(40));
                }
                return ProxyProcess.isListening(port);
            }, () -> logTail(40));
        } catch (final RuntimeException | Error e) {
            close();
            throw e;
        }
        return this;
    }

    /** The relay's BASE through this proxy: {@code SCHEME://127.0.0.1:PORT/CONTEXT/}. */
    public URI relayBase(final String contextName) {
        return URI.create(scheme + "://127.0.0.1:" + port + "/" + contextName + "/");
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    public Path consoleLog() {
        return dir.resolve("console.log");
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The last lines of the console, error and access logs, for failure messages. */
    public String logTail(final int lines) {
        final StringBuilder out = new StringBuilder();
        for (final String name : List.of("console.log", "error.log", "access.log")) {
            final Path file = dir.resolve(name);
            if (Files.exists(file)) {
                final List<String> all = read(file).lines().collect(Collectors.toList());
                out.append("--- last lines of ").append(file).append(" ---\n")
                        .append(String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())))
                        .append('\n');
            }
        }
        return out.toString();
    }

    public String accessLog() {
        return read(dir.resolve("access.log"));
    }

    @Override
    public void close() {
        final Process p = process;
        if (p == null) {
            return;
        }
        final List<ProcessHandle> workers = p.descendants().collect(Collectors.toList());
        if (p.isAlive()) {
            p.destroy();
            try {
                if (!p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        // Workers left behind by a master that died first.
        workers.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static String read(final Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return label + " on " + scheme + "://127.0.0.1:" + port + "/ (" + dir + ")";
    }

    /** A certificate and its private key, PEM files, for an HTTPS listener. */
    public record Tls(Path certificate, Path privateKey) {

        /**
         * Makes a self-signed certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1) with openssl, valid
         * for two days, in {@code dir/cert.pem} and {@code dir/key.pem}.
         */
        public static Tls selfSigned(final Path dir) throws IOException {
            Files.createDirectories(dir);
            final Path cert = dir.resolve("cert.pem");
            final Path key = dir.resolve("key.pem");
            final Path out = dir.resolve("openssl.out");
            final List<String> command = List.of(ExternalTool.require("openssl", "openssl").toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1");
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " failed\n" + read(out));
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            return new Tls(cert, key);
        }
    }
}
