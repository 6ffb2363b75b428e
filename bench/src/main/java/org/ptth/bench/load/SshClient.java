package org.ptth.bench.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ptth.bench.probes.Command;

/**
 * The OpenSSH client against the bench's private sshd, through one way to it: a ping-pong through a
 * remote {@code cat}, and scp each way. No user or system ssh configuration is read (-F /dev/null);
 * the host key is checked against the bench's own known_hosts under one alias, whatever the port.
 */
public final class SshClient {

    /** The name the throwaway host key is known under in the bench's known_hosts. */
    public static final String HOST_ALIAS = "ptth-bench-sshd";

    private final Path identity;
    private final Path knownHosts;
    private final String user;

    public SshClient(final Path identity, final Path knownHosts, final String user) {
        this.identity = identity;
        this.knownHosts = knownHosts;
        this.user = user;
    }

    /** Options common to ssh and scp. */
    public List<String> options() {
        return List.of("-F", "/dev/null", "-i", identity.toString(), "-o", "IdentitiesOnly=yes",
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "HostKeyAlias=" + HOST_ALIAS, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
                "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=30");
    }

    /** {@code ssh OPTIONS -p PORT USER@127.0.0.1 EXTRA...}. */
    public List<String> ssh(final int port, final String... extra) {
        final List<String> c = new ArrayList<>(List.of("ssh"));
        c.addAll(options());
        c.addAll(List.of("-p", Integer.toString(port)));
        c.addAll(Arrays.asList(extra));
        return c;
    }

    public String target() {
        return user + "@127.0.0.1";
    }

    /**
     * Round-trip times of {@code count} 32-byte lines (after {@code warmup} unmeasured ones) sent to a
     * remote {@code cat} over one ssh session, each checked when it comes back.
     */
    public long[] pingPong(final int port, final int warmup, final int count, final Path log) throws IOException {
        final List<String> command = ssh(port, "-T", target(), "cat");
        final Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        final long[] rtt = new long[count];
        try {
            final OutputStream out = p.getOutputStream();
            final InputStream in = p.getInputStream();
            final byte[] ping = new byte[32];
            final byte[] pong = new byte[32];
            for (int i = -warmup; i < count; i++) {
                Arrays.fill(ping, (byte) ('a' + Math.floorMod(i, 26)));
                ping[31] = '\n';
                final long start = System.nanoTime();
                out.write(ping);
                out.flush();
                EchoClient.readFully(in, pong);
                final long nanos = System.nanoTime() - start;
                if (!Arrays.equals(ping, pong)) {
                    throw new IOException("line " + i + " came back altered through ssh");
                }
                if (i >= 0) {
                    rtt[i] = nanos;
                }
            }
            out.close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IOException("ssh did not end after its input did");
            }
            return rtt;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (final IOException e) {
            throw new IOException(e.getMessage() + "; ssh's log: " + Command.tail(readQuietly(log)), e);
        } finally {
            p.destroyForcibly();
        }
    }

    /** scp of {@code from} to {@code to} ("HOST:PATH" for the remote side); seconds it took. */
    public double scp(final int port, final String from, final String to) throws IOException {
        final List<String> c = new ArrayList<>(List.of("scp", "-q"));
        c.addAll(options());
        c.addAll(List.of("-P", Integer.toString(port), from, to));
        final long start = System.nanoTime();
        Command.run(c, 600);
        return (System.nanoTime() - start) / 1e9;
    }

    private static String readQuietly(final Path file) {
        try {
            return Files.readString(file);
        } catch (final IOException e) {
            return "";
        }
    }
}
