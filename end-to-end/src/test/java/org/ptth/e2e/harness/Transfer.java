package org.ptth.e2e.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** What went one way through a socket: how many bytes and their SHA-256 (lowercase hex). */
public record Transfer(long bytes, String sha256) {

    private static final int CHUNK = 64 * 1024;

    /** Writes {@code count} pseudo-random bytes (from {@code seed}) and says what was written. */
    public static Transfer writeRandom(final OutputStream out, final long count, final long seed) throws IOException {
        final MessageDigest digest = sha256Digest();
        final SplittableRandom random = new SplittableRandom(seed);
        final byte[] buffer = new byte[CHUNK];
        long left = count;
        while (left > 0) {
            final int n = (int) Math.min(buffer.length, left);
            fill(random, buffer, n);
            digest.update(buffer, 0, n);
            out.write(buffer, 0, n);
            left -= n;
        }
        out.flush();
        return new Transfer(count, HexFormat.of().formatHex(digest.digest()));
    }

    /** Reads to end of stream and says what was read. */
    public static Transfer readToEnd(final InputStream in) throws IOException {
        final MessageDigest digest = sha256Digest();
        final byte[] buffer = new byte[CHUNK];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) != -1) {
            digest.update(buffer, 0, n);
            total += n;
        }
        return new Transfer(total, HexFormat.of().formatHex(digest.digest()));
    }

    /** {@code count} pseudo-random bytes from {@code seed}, in memory (for small payloads). */
    public static byte[] randomBytes(final int count, final long seed) {
        final byte[] bytes = new byte[count];
        fill(new SplittableRandom(seed), bytes, count);
        return bytes;
    }

    public static byte[] sha256(final byte[] data) {
        return sha256Digest().digest(data);
    }

    public static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void fill(final SplittableRandom random, final byte[] buffer, final int count) {
        int i = 0;
        while (i + 8 <= count) {
            long v = random.nextLong();
            for (int k = 0; k < 8; k++) {
                buffer[i++] = (byte) v;
                v >>>= 8;
            }
        }
        while (i < count) {
            buffer[i++] = (byte) random.nextInt();
        }
    }
}
