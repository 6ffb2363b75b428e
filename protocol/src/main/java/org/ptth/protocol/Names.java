package org.ptth.protocol;

/**
 * The rule for server, client and port names, the same at the relay and in the proxies:
 * 1 to 64 of {@code A-Z a-z 0-9 . _ -}, and not {@code .} or {@code ..} (a name is a path segment).
 */
public final class Names {
    public static final int MAX_LENGTH = 64;

    private Names() {
    }

    public static boolean isValid(final String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH || ".".equals(name) || "..".equals(name)) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            final boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
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
