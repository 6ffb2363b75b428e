package org.ptth.relay.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A response read off a raw socket as it streams: the head, then the body as an input stream that
 * takes the chunked encoding off (a call whose request body is still going up, such as a duplex
 * accept or connect made with {@link ChunkedUpload}).
 */
public final class ChunkedResponse extends InputStream {
    private final InputStream in;
    private final int status;
    private final Map<String, String> headers;
    private int chunkLeft;
    private boolean ended;

    private ChunkedResponse(final InputStream in, final int status, final Map<String, String> headers) {
        this.in = in;
        this.status = status;
        this.headers = headers;
    }

    /** Reads the head; the body follows through {@link #read}. */
    public static ChunkedResponse head(final InputStream in) throws IOException {
        final String statusLine = line(in);
        final Map<String, String> headers = new HashMap<>();
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            final int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).strip().toLowerCase(Locale.ROOT), header.substring(colon + 1).strip());
        }
        return new ChunkedResponse(in, Integer.parseInt(statusLine.split(" ")[1]), headers);
    }

    public int status() {
        return status;
    }

    public String header(final String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public int read() throws IOException {
        final byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(final byte[] b, final int off, final int len) throws IOException {
        if (ended) {
            return -1;
        }
        if (chunkLeft == 0) {
            final String size = line(in);
            chunkLeft = Integer.parseInt(size.split(";")[0].strip(), 16);
            if (chunkLeft == 0) {
                line(in);
                ended = true;
                return -1;
            }
        }
        final int n = in.read(b, off, Math.min(len, chunkLeft));
        if (n < 0) {
            throw new EOFException("connection closed within a chunk");
        }
        chunkLeft -= n;
        if (chunkLeft == 0) {
            line(in);
        }
        return n;
    }

    private static String line(final InputStream in) throws IOException {
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            line.write(c);
        }
        if (c < 0) {
            throw new EOFException("connection closed mid-response: " + line);
        }
        return line.toString(StandardCharsets.US_ASCII).replace("\r", "");
    }
}
