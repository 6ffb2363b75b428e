package org.ptth.protocol;

/** The protocol's own HTTP headers on the classic calls (docs/protocol.md), and their values. */
public final class Headers {
    /** The connection ID: on the listen poll's answer and the connect's response. */
    public static final String CONNECTION_ID = "Ptth-Connection-Id";
    /** {@link #ON} on connect or accept: the request body carries the other direction; the relay confirms it on the 200. */
    public static final String DUPLEX = "Ptth-Duplex";
    /** {@link #ON} on connect or accept: PTH1 flow control offered; the relay confirms it on the 200 when agreed. */
    public static final String CREDIT = "Ptth-Credit";
    /** On a segment of a segmented upload: {@link #SEGMENT_MORE} or {@link #SEGMENT_LAST}. */
    public static final String SEGMENT = "Ptth-Segment";
    /** A segment's place in its direction: 0, 1, 2, ... */
    public static final String SEGMENT_NUMBER = "Ptth-Segment-Number";
    /**
     * The reason of an error answer again, in the head ({@code %XX}-escaped): a proxy whose streaming
     * request body the relay leaves unread may see the connection reset before it reads the body.
     */
    public static final String REASON = "Ptth-Reason";

    /** The value that turns {@link #DUPLEX} and {@link #CREDIT} on, and confirms them. */
    public static final String ON = "1";
    public static final String SEGMENT_MORE = "more";
    public static final String SEGMENT_LAST = "last";

    private Headers() {
    }

    /** Whether a header's value (null when absent) turns its option on. */
    public static boolean isOn(final String value) {
        return ON.equals(value);
    }
}
