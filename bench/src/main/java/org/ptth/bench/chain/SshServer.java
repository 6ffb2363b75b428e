package org.ptth.bench.chain;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.ptth.bench.load.SshClient;
import org.ptth.bench.probes.Command;

/**
 * A private sshd on a free loopback port, run in the foreground as the current user with its own
 * config, a throwaway host key and a throwaway user key, both made here. It reads no system config
 * file; running as root, it needs its privilege separation directory /run/sshd, which it gets when
 * missing (as the openssh-server package's service would make it).
 */
public final class SshServer {

    public static final String SSHD = "/usr/sbin/sshd";

    private SshServer() {
    }

    /** The port sshd listens on and the client that logs in to it. */
    public record Running(int port, SshClient client) {
    }

    public static Running start(final Processes processes, final Path dir) throws IOException {
        Files.createDirectories(dir);
        final Path hostKey = dir.resolve("host_ed25519");
        final Path userKey = dir.resolve("user_ed25519");
        for (final Path key : List.of(hostKey, userKey)) {
            Files.deleteIfExists(key);
            Files.deleteIfExists(Path.of(key + ".pub"));
            Command.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ptth-bench", "-f",
                    key.toString()), 60);
        }
        final Path authorized = dir.resolve("authorized_keys");
        Files.copy(Path.of(userKey + ".pub"), authorized, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        final Path knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, SshClient.HOST_ALIAS + " " + Files.readString(Path.of(hostKey + ".pub")),
                StandardCharsets.UTF_8);
        final String user = System.getProperty("user.name");
        final int port = Processes.freePort();
        final Path config = dir.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
                "# the bench's private sshd (scripts/bench): no system file is read",
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + hostKey,
                "PidFile none",
                "AuthorizedKeysFile " + authorized,
                "AllowUsers " + user,
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                // the bench's files live in a work tree whose modes sshd's checks do not expect
                "StrictModes no",
                "AllowTcpForwarding yes",
                "MaxStartups 100:30:200",
                "MaxSessions 100",
                "Subsystem sftp internal-sftp",
                "LogLevel ERROR",
                ""), StandardCharsets.UTF_8);
        if ("root".equals(user)) {
            final Path privsep = Path.of("/run/sshd");
            if (!Files.isDirectory(privsep)) {
                Files.createDirectories(privsep, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwxr-xr-x")));
            }
        }
        Command.run(List.of(SSHD, "-t", "-f", config.toString()), 30);
        final Process p = processes.start("sshd", List.of(SSHD, "-D", "-e", "-f", config.toString()), Map.of(), dir);
        Processes.await("sshd", 30, p, processes.log("sshd"), () -> Processes.listening(port));
        return new Running(port, new SshClient(userKey, knownHosts, user));
    }
}
