package org.ptth.relay.config;

/** A configuration file that cannot be used; the message names the file and the problem. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(final String message) {
        super(message);
    }
}
