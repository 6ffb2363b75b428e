package org.ptth.relay.endpoints;

import java.util.regex.Pattern;

/** The alphabets of names and connection IDs: checked before anything else looks at them. */
public final class Names {
    public static final String RULE = "1 to 64 of A-Z a-z 0-9 . _ -";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{32}");

    private Names() {
    }

    public static boolean isName(final String s) {
        return s != null && NAME.matcher(s).matches() && !s.equals(".") && !s.equals("..");
    }

    public static boolean isConnectionId(final String s) {
        return s != null && ID.matcher(s).matches();
    }
}
