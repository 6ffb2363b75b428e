package org.ptth.proxy.relayclient;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RelayAddressTest {

    @ParameterizedTest
    @ValueSource(strings = {"http://relay.example.org/ptth-relay/", "http://10.0.0.7:8080/", "HTTP://Relay.Example/x",
        "http://[2001:db8::1]:8080/"})
    void plainHttpToAnotherMachineSendsKeysInClear(final String url) {
        assertTrue(RelayAddress.parse(url).sendsKeysInClear(), url);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://relay.example.org/ptth-relay/", "http://127.0.0.1:8080/ptth-relay/",
        "http://localhost:8080/", "http://[::1]:8080/", "http://127.1.2.3/"})
    void tlsOrThisMachineDoesNot(final String url) {
        assertFalse(RelayAddress.parse(url).sendsKeysInClear(), url);
    }
}
