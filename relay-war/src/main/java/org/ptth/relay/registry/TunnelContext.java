package org.ptth.relay.registry;

import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.metrics.RelayEvents;
import org.ptth.relay.pump.BufferBudget;
import org.ptth.relay.timing.Timers;

import java.util.function.Supplier;

/**
 * What every four-stream and duplex tunnel of the relay shares: the configuration in force, the
 * timer thread, the ports where connects wait, the index it enters and leaves, the budget of its
 * splices' buffers, and where its events go.
 */
record TunnelContext(Supplier<RelayConfig> config, Timers timers, Ports ports, TunnelIndex index,
                     BufferBudget buffers, Supplier<RelayEvents> events) {
}
