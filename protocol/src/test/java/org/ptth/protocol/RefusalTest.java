package org.ptth.protocol;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class RefusalTest {
    private static final Path SPEC = Path.of("..", "docs", "protocol.md");
    private static final Pattern ROW = Pattern.compile("^\\| ([0-9]{3}(?: / [0-9]{3})*) \\|");

    @Test
    void theSpecsStatusTableHasExactlyTheCodesOfTheTable() throws IOException {
        final List<String> lines = Files.readAllLines(SPEC);
        final int start = lines.indexOf("### Status codes");
        assertFalse(start < 0, "docs/protocol.md has a section \"### Status codes\"");
        final Set<Integer> documented = new TreeSet<>();
        for (final String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("#")) {
                break;
            }
            final Matcher row = ROW.matcher(line);
            if (row.find()) {
                for (final String code : row.group(1).split(" / ")) {
                    documented.add(Integer.parseInt(code));
                }
            }
        }
        final Set<Integer> coded = Arrays.stream(Refusal.values()).map(Refusal::status)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(coded, documented);
    }

    @Test
    void aReasonWithADetailJoinsThemAndABlankDetailLeavesTheReason() {
        assertEquals("tunnel closed: idle", Refusal.TUNNEL_CLOSED.reason("idle"));
        assertEquals("target refused by server proxy", Refusal.TARGET_REFUSED.reason(" "));
        assertEquals("target refused by server proxy", Refusal.TARGET_REFUSED.reason(null));
        assertEquals("the server proxy cannot open a socket: Too many open files",
                Refusal.SERVER_PROXY_NO_SOCKET.reason("Too many open files"));
    }
}
