package org.ptth.proxy.relay;

import java.util.regex.Pattern;

/** The forms docs/protocol.md gives names and connection IDs; checked before they enter a URL. */
public final class ProtocolNames {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern CONNECTION_ID = Pattern.compile("[A-Za-z0-9_-]{32}");

    private ProtocolNames() {
    }

    public static boolean isName(final String text) {
        return text != null && NAME.matcher(text).matches();
    }

    public static boolean isConnectionId(final String text) {
        return text != null && CONNECTION_ID.matcher(text).matches();
    }

    /** The first 8 characters of an ID: enough to tell tunnels apart in a log. */
    public static String shortId(final String id) {
        return id.length() <= 8 ? id : id.substring(0, 8);
    }
}
