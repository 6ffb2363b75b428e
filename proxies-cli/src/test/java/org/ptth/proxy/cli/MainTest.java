package org.ptth.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ptth.proxy.key.KeyHash;

class MainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args) {
        return Main.run(args, new Terminal(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private void assertUsageError(final String expectedText, final String... args) {
        out.reset();
        err.reset();
        assertEquals(ExitCode.USAGE, run(args), stderr());
        final String[] lines = stderr().split("\n");
        assertEquals(1, lines.length, "one line: " + stderr());
        assertTrue(lines[0].startsWith("ptth-proxy: "), lines[0]);
        assertTrue(lines[0].contains(expectedText), lines[0]);
        assertEquals("", stdout());
    }

    @Test
    void usageErrorsAreOneLineAndExitTwo() {
        assertUsageError("missing command");
        assertUsageError("unknown command 'serve'", "serve");
        assertUsageError("missing --relay (see ptth-proxy client --help)",
                "client", "--key-file", "k", "--server", "s", "--port", "p", "--listen", "1");
        assertUsageError("unknown option --bogus", "client", "--bogus");
        assertUsageError("--relay needs a value", "server", "--relay");
        assertUsageError("must start with http", "client", "--relay", "ftp://x/", "--server", "s",
                "--port", "p", "--listen", "1", "--key-file", "k");
        assertUsageError("missing --expose", "server", "--relay", "http://r/", "--name", "s", "--key-file", "k");
        assertUsageError("--polls must be", "server", "--relay", "http://r/", "--name", "s", "--key-file", "k",
                "--expose", "ssh=127.0.0.1:22", "--polls", "0");
        assertUsageError("not NAME=HOST:PORT", "server", "--relay", "http://r/", "--name", "s",
                "--key-file", "k", "--expose", "ssh");
        assertUsageError("exactly one of", "keygen", "--out", dir.resolve("x").toString());
        assertUsageError("missing --allow", "keygen", "--client", "c", "--out", dir.resolve("x").toString());
        assertUsageError("unexpected argument", "keygen", "extra");
    }

    @Test
    void namesTheRelayRejectsAreRejectedHereWithTheReason() {
        for (final String dots : new String[] {".", ".."}) {
            assertUsageError("--server may not be . or ..", "client", "--relay", "http://r/", "--server", dots,
                    "--port", "p", "--listen", "1", "--key-file", "k");
            assertUsageError("--port may not be . or ..", "client", "--relay", "http://r/", "--server", "s",
                    "--port", dots, "--listen", "1", "--key-file", "k");
            assertUsageError("--name may not be . or ..", "server", "--relay", "http://r/", "--name", dots,
                    "--key-file", "k", "--expose", "ssh=127.0.0.1:22");
            assertUsageError("the port name may not be . or ..", "server", "--relay", "http://r/", "--name", "s",
                    "--key-file", "k", "--expose", dots + "=127.0.0.1:22");
            assertUsageError("the name may not be . or ..", "keygen", "--server", dots,
                    "--out", dir.resolve("x").toString());
            assertUsageError("is not SERVER or SERVER/PORT", "keygen", "--client", "c", "--allow", "office/" + dots,
                    "--out", dir.resolve("x").toString());
        }
        assertUsageError("--server may hold only letters, digits, '.', '_' and '-'", "client", "--relay", "http://r/",
                "--server", "a/b", "--port", "p", "--listen", "1", "--key-file", "k");
    }

    @Test
    void partialOptionNamesAreNotGuessed() {
        assertUsageError("unknown option --rel", "client", "--rel", "http://r/");
    }

    @Test
    void helpListsCommandsAndExitCodes() {
        assertEquals(ExitCode.OK, run("--help"));
        assertTrue(stdout().contains("exit codes"), stdout());
        assertTrue(stdout().contains("3  configuration error"), stdout());
        assertTrue(stdout().contains("4  relay unreachable at start (with --fail-fast)"), stdout());
        for (final String command : new String[] {"server", "client", "keygen"}) {
            out.reset();
            assertEquals(ExitCode.OK, run(command, "--help"), stderr());
            assertTrue(stdout().contains("ptth-proxy " + command), stdout());
        }
    }

    @Test
    void keygenForAServerPrintsOnlyTheConfigLine() throws Exception {
        final Path file = dir.resolve("server.key");
        assertEquals(ExitCode.OK, run("keygen", "--server", "office", "--out", file.toString()), stderr());
        final String key = Files.readString(file).strip();
        assertTrue(key.matches("[0-9a-f]{64}"), key);
        assertEquals("server.office.key-sha256=" + KeyHash.of(key) + "\n", stdout());
        if (Files.getFileAttributeView(file, PosixFileAttributeView.class) != null) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
    }

    @Test
    void keygenForAClientPrintsHashAndAllowLines() throws Exception {
        final Path file = dir.resolve("client.key");
        assertEquals(ExitCode.OK, run("keygen", "--client", "laptop", "--allow", "office/ssh",
                "--allow", "lab", "--out", file.toString()), stderr());
        final String key = Files.readString(file).strip();
        assertEquals("client.laptop.key-sha256=" + KeyHash.of(key) + "\n"
                + "client.laptop.allow=office/ssh,lab\n", stdout());
    }

    @Test
    void keygenForTheAdminPrintsTheStatusEndpointLine() throws Exception {
        final Path file = dir.resolve("admin.key");
        assertEquals(ExitCode.OK, run("keygen", "--admin", "--out", file.toString()), stderr());
        final String key = Files.readString(file).strip();
        assertEquals("admin.key-sha256=" + KeyHash.of(key) + "\n", stdout());
        assertEquals(ExitCode.USAGE, run("keygen", "--admin", "--server", "x", "--out", dir.resolve("y").toString()));
    }

    @Test
    void keygenRefusesToOverwriteWithExitThree() throws Exception {
        final Path file = dir.resolve("taken.key");
        Files.writeString(file, "precious");
        assertEquals(ExitCode.CONFIG, run("keygen", "--server", "office", "--out", file.toString()));
        assertTrue(stderr().contains("already exists"), stderr());
        assertEquals("precious", Files.readString(file));
        assertEquals("", stdout());
    }

    @Test
    void unsafeKeyFileExitsThree() throws Exception {
        final Path file = dir.resolve("weak.key");
        Files.writeString(file, "a".repeat(64) + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertEquals(ExitCode.CONFIG, run("client", "--relay", "http://127.0.0.1:9/", "--key-file", file.toString(),
                "--server", "s", "--port", "p", "--listen", "0"));
        assertTrue(stderr().contains("low-entropy"), stderr());
        assertEquals(1, stderr().split("\n").length, stderr());
    }
}
