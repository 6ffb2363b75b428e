package org.ptth.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reasons that cross the wire (ABORT, REFUSE, GOAWAY, error answers): cut to a byte limit without
 * splitting a character, and made safe to log, since they come from a peer.
 */
public final class Reasons {
    private Reasons() {
    }

    /** The UTF-8 form of {@code text}, cut to at most {@code maxBytes} bytes at a character boundary. */
    public static byte[] truncate(final String text, final int maxBytes) {
        final byte[] all = text.getBytes(StandardCharsets.UTF_8);
        if (all.length <= maxBytes) {
            return all;
        }
        int end = maxBytes;
        // back up over continuation bytes (10xxxxxx) so that no character is split
        while (end > 0 && (all[end] & 0xc0) == 0x80) {
            end--;
        }
        final byte[] cut = new byte[end];
        System.arraycopy(all, 0, cut, 0, end);
        return cut;
    }

    /**
     * A peer's reason as text fit for one log line: at most {@code maxBytes} bytes are decoded
     * (malformed UTF-8 replaced), control characters and backslashes written as {@code \\uXXXX}.
     */
    public static String printable(final ByteBuffer utf8, final int maxBytes) {
        final ByteBuffer slice = utf8.slice();
        final boolean cut = slice.remaining() > maxBytes;
        if (cut) {
            slice.limit(maxBytes);
        }
        final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        String text;
        try {
            text = decoder.decode(slice).toString();
        } catch (final CharacterCodingException cannotHappen) {
            text = "";
        }
        return printable(text) + (cut ? "..." : "");
    }

    /** {@code text} with control characters and backslashes escaped, so that it stays one log line. */
    public static String printable(final String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            final boolean escape = c < 0x20 || c == 0x7f || c == '\\' || (c >= 0x80 && c < 0xa0)
                    || c == '\u2028' || c == '\u2029';
            if (escape && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                if (escape) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }
}
