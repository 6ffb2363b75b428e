package org.ptth.proxy.key;

/** A key file that is missing, unsafe or malformed: a configuration error, not a runtime one. */
public class KeyFileException extends Exception {

    private static final long serialVersionUID = 1L;

    public KeyFileException(final String message) {
        super(message);
    }
}
