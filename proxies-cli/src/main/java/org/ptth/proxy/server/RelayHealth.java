package org.ptth.proxy.server;

import java.util.logging.Logger;

/**
 * What the server's pollers know about the relay, shared by all of them so that an outage is
 * logged once when it starts and once when it ends, not once per poll or per retry.
 */
final class RelayHealth {

    private enum State { UNKNOWN, REACHABLE, UNREACHABLE, REJECTED }

    private static final Logger LOG = Logger.getLogger(RelayHealth.class.getName());

    private final String relay;
    private State state = State.UNKNOWN;
    private String lastProblem;

    RelayHealth(final String relay) {
        this.relay = relay;
    }

    synchronized void reachable() {
        if (state == State.UNKNOWN) {
            LOG.info(() -> "relay " + relay + " reachable: waiting for connections");
        } else if (state != State.REACHABLE) {
            LOG.info(() -> "relay reachable again");
        }
        state = State.REACHABLE;
        lastProblem = null;
        org.ptth.proxy.metrics.ProxyMetrics.instance().relay(true);
    }

    /** The relay cannot be reached, or answers 5xx: keep trying. */
    synchronized void unreachable(final String problem) {
        if (state != State.UNREACHABLE) {
            LOG.warning(() -> "relay unreachable: " + problem + " (retrying, up to every 30 s)");
        }
        state = State.UNREACHABLE;
        lastProblem = problem;
        org.ptth.proxy.metrics.ProxyMetrics.instance().relay(false);
    }

    /** The relay answers but refuses us (wrong key, wrong name): the operator must act; we keep trying. */
    synchronized void rejected(final String problem) {
        if (state != State.REJECTED || !problem.equals(lastProblem)) {
            LOG.severe(() -> "relay rejects this server: " + problem
                    + " (check --name, the key file and the relay config; retrying, up to every 30 s)");
        }
        state = State.REJECTED;
        lastProblem = problem;
        org.ptth.proxy.metrics.ProxyMetrics.instance().relay(false);
    }
}
