package org.ptth.relay.endpoints;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.protocol.Refusal;
import org.ptth.relay.auth.KeyAuthenticator;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.errors.ErrorResponses;

import java.io.IOException;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The gate in front of an operator endpoint ({@code /metrics}, {@code /status}), in this order:
 * its methods (405), a configuration (503 without one), a key for it in that configuration (404
 * when it names none, so the endpoint looks absent), the caller's key (401).
 */
final class OperatorGate {
    private final String endpoint;
    private final List<String> methods;
    private final String keySetting;
    private final Function<RelayConfig, KeyAuthenticator> keys;
    private final String realm;

    /**
     * @param endpoint   the endpoint as the 405 names it ("the metrics endpoint")
     * @param methods    the methods it takes; the first is the one the 405 gives in Allow and names
     * @param keySetting the configuration setting of its key, named by the 404
     * @param keys       its authenticator in a configuration, null when the setting is absent
     * @param realm      the Bearer realm of the 401's WWW-Authenticate, or null for none
     */
    OperatorGate(final String endpoint, final List<String> methods, final String keySetting,
                 final Function<RelayConfig, KeyAuthenticator> keys, final String realm) {
        this.endpoint = endpoint;
        this.methods = List.copyOf(methods);
        this.keySetting = keySetting;
        this.keys = keys;
        this.realm = realm;
    }

    /**
     * Whether the call passes; when it does not, its answer has been sent.
     *
     * @param config      the configuration in force, or null
     * @param unavailable why there is none (asked only then)
     */
    boolean admits(final HttpServletRequest request, final HttpServletResponse response, final RelayConfig config,
                   final Supplier<String> unavailable) throws IOException {
        if (!methods.contains(request.getMethod())) {
            response.setHeader("Allow", methods.get(0));
            ErrorResponses.send(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, endpoint + " takes " + methods.get(0), 0, false);
            return false;
        }
        if (config == null) {
            ErrorResponses.send(response, Refusal.UNCONFIGURED.status(), unavailable.get(), 10, false);
            return false;
        }
        final KeyAuthenticator authenticator = keys.apply(config);
        if (authenticator == null) {
            ErrorResponses.send(response, HttpServletResponse.SC_NOT_FOUND, "no " + keySetting + " configured", 0, false);
            return false;
        }
        if (authenticator.authenticate(request.getHeader("Authorization")).isEmpty()) {
            if (realm != null) {
                response.setHeader("WWW-Authenticate", "Bearer realm=\"" + realm + "\"");
            }
            ErrorResponses.send(response, Refusal.UNKNOWN_KEY.status(), Refusal.UNKNOWN_KEY.reason(), 0, false);
            return false;
        }
        return true;
    }
}
