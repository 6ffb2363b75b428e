package org.ptth.relay.registry;

import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.ptth.relay.auth.KeyHashes;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.config.ConfigParser;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.pump.Exchange;
import org.ptth.relay.timing.Timers;

import java.io.StringReader;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/** The registry's bookkeeping when calls and configuration reloads cross each other. */
class TunnelRegistryReloadTest {
    private static final String OLD_KEY = "1111111111111111111111111111111111111111111111111111111111111111";
    private static final String NEW_KEY = "2222222222222222222222222222222222222222222222222222222222222222";

    private final AtomicReference<RelayConfig> config = new AtomicReference<>();
    private final Timers timers = new Timers();
    private final TunnelRegistry registry = new TunnelRegistry(config::get, timers);

    @AfterEach
    void stop() {
        registry.shutdown();
        timers.stop();
    }

    private static RelayConfig config(final String serverKey, final String clientKey, final String extra)
            throws Exception {
        return ConfigParser.parse(new StringReader("server.srv.key-sha256=" + KeyHashes.sha256Hex(serverKey) + "\n"
                + "client.cli.key-sha256=" + KeyHashes.sha256Hex(clientKey) + "\nclient.cli.allow=srv\n" + extra), "test");
    }

    private static Principal server(final String key) {
        return new Principal(Principal.Kind.SERVER, "srv", KeyHashes.sha256Hex(key));
    }

    private static Principal client(final String key) {
        return new Principal(Principal.Kind.CLIENT, "cli", KeyHashes.sha256Hex(key));
    }

    private static Exchange call() {
        final Exchange exchange = mock(Exchange.class);
        final HttpServletRequest request = mock(HttpServletRequest.class);
        when(request.getRemoteAddr()).thenReturn("127.0.0.1");
        when(exchange.request()).thenReturn(request);
        return exchange;
    }

    @Test
    void parkedPollsOfAReKeyedServerEnd() throws Exception {
        config.set(config(OLD_KEY, OLD_KEY.replace('1', '3'), ""));
        final Exchange poll = call();
        registry.listen(server(OLD_KEY), "ssh", () -> poll);
        final RelayConfig rekeyed = config(NEW_KEY, OLD_KEY.replace('1', '3'), "");
        config.set(rekeyed);
        registry.configChanged(rekeyed);
        verify(poll).answer(eq(401), anyString(), eq(false));
    }

    @Test
    void aPollAuthenticatedJustBeforeAReloadIsNotParked() throws Exception {
        config.set(config(NEW_KEY, OLD_KEY.replace('1', '3'), ""));
        final Exchange poll = call();
        // authenticated with the old key, registered after the reload went through the polls
        registry.listen(server(OLD_KEY), "ssh", () -> poll);
        verify(poll).answer(eq(401), anyString(), eq(false));
    }

    @Test
    void aConnectAuthenticatedJustBeforeAReloadIsRefused() throws Exception {
        config.set(config(OLD_KEY, NEW_KEY, ""));
        final Exchange connect = call();
        // authenticated with the client's old key, registered after the reload went through the tunnels
        registry.connect(client(OLD_KEY), "srv", "ssh", false, () -> connect);
        verify(connect).answer(eq(401), anyString(), eq(0), eq(false));
    }

    @Test
    void aConnectEndedWhileBeingRegisteredGivesItsPendingSlotBack() throws Exception {
        config.set(config(OLD_KEY, NEW_KEY, "limit.pending-connects-per-server=1\n"));
        final Exchange gone = call();
        // its client goes away the moment the tunnel listens for that
        doAnswer(invocation -> {
            invocation.<Exchange.Failure>getArgument(0).exchangeFailed(gone, "client went away");
            return null;
        }).when(gone).onFailure(any());
        registry.connect(client(NEW_KEY), "srv", "ssh", false, () -> gone);
        verify(gone).answer(eq(410), anyString(), eq(0), eq(false));
        final Exchange next = call();
        assertDoesNotThrow(() -> registry.connect(client(NEW_KEY), "srv", "ssh", false, () -> next),
                "the one pending slot of srv is free again");
        verify(next, never()).answer(any(Integer.class), anyString(), any(Integer.class), any(Boolean.class));
    }
}
