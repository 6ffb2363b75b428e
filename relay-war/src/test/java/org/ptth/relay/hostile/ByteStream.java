package org.ptth.relay.hostile;

/**
 * A reproducible random byte stream where every byte is a function of the seed and its position,
 * so that a writer can cut it into any pieces and a reader can check each byte as it comes.
 */
final class ByteStream {
    private ByteStream() {
    }

    static byte at(final long seed, final long position) {
        long z = seed + (position >>> 3) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (byte) (z >>> ((position & 7) * 8));
    }

    static byte[] slice(final long seed, final long from, final int length) {
        final byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = at(seed, from + i);
        }
        return b;
    }
}
