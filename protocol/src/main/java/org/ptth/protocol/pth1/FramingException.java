package org.ptth.protocol.pth1;

import java.io.IOException;

/** The stream is not ptth framing: a wrong preamble, an unknown type or an impossible length. */
public class FramingException extends IOException {

    private static final long serialVersionUID = 1L;

    public FramingException(final String message) {
        super(message);
    }
}
