package org.ptth.protocol;

/**
 * The rule for server, client and port names, the same at the relay and in the proxies:
 * 1 to 64 of {@code A-Z a-z 0-9 . _ -}, and not {@code .} or {@code ..} (a name is a path segment).
 */
public final class Names {
    public static final int MAX_LENGTH = 64;
    /** The rule in a few words, for error messages. */
    public static final String RULE = "1 to 64 of A-Z a-z 0-9 . _ -";
    /** A connection ID: 32 characters of base64url (192 random bits). */
    public static final int ID_LENGTH = 32;

    private Names() {
    }

    public static boolean isValid(final String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH || ".".equals(name) || "..".equals(name)) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            if (!isBase64Url(c) && c != '.') {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code id} has the form of a connection ID (not whether it is known). */
    public static boolean isConnectionId(final String id) {
        if (id == null || id.length() != ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            if (!isBase64Url(id.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** The first 8 characters of an ID: enough to tell tunnels apart in a log. */
    public static String shortId(final String id) {
        return id.length() <= 8 ? id : id.substring(0, 8);
    }

    private static boolean isBase64Url(final char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    /** Why a name is refused, for a message; null when it is valid. */
    public static String problem(final String name) {
        if (isValid(name)) {
            return null;
        }
        if (name == null || name.isEmpty()) {
            return "is empty";
        }
        if (name.length() > MAX_LENGTH) {
            return "is longer than " + MAX_LENGTH + " characters";
        }
        if (".".equals(name) || "..".equals(name)) {
            return "may not be . or ..";
        }
        return "may hold only letters, digits, '.', '_' and '-'";
    }
}
