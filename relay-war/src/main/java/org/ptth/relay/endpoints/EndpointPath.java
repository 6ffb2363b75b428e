package org.ptth.relay.endpoints;

import org.ptth.protocol.Names;
import org.ptth.relay.errors.RelayException;

/** A parsed {@code /v1/{server}/{verb}/{argument}} path, every part checked against its alphabet. */
record EndpointPath(String server, String verb, String argument) {

    static EndpointPath parse(final String pathInfo) throws RelayException {
        if (pathInfo == null || pathInfo.length() > 300) {
            throw RelayException.badRequest("expected a path of the form /v1/{server}/{verb}/{argument}");
        }
        final String[] parts = pathInfo.split("/", -1);
        if (parts.length != 4 || !parts[0].isEmpty()) {
            throw RelayException.badRequest("expected a path of the form /v1/{server}/{verb}/{argument}");
        }
        if (!Names.isValid(parts[1])) {
            throw RelayException.badRequest("bad server name (" + Names.RULE + ")");
        }
        return new EndpointPath(parts[1], parts[2], parts[3]);
    }

    String portName() throws RelayException {
        if (!Names.isValid(argument)) {
            throw RelayException.badRequest("bad port name (" + Names.RULE + ")");
        }
        return argument;
    }

    String connectionId() throws RelayException {
        if (!Names.isConnectionId(argument)) {
            throw RelayException.badRequest("bad connection id");
        }
        return argument;
    }
}
