package org.ptth.protocol;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NamesTest {

    @Test
    void namesAreOneToSixtyFourOfTheAlphabet() {
        assertTrue(Names.isValid("a"));
        assertTrue(Names.isValid("web-1.example_A"));
        assertTrue(Names.isValid("x".repeat(64)));
        assertTrue(Names.isValid("..."));
        assertFalse(Names.isValid(null));
        assertFalse(Names.isValid(""));
        assertFalse(Names.isValid("x".repeat(65)));
        assertFalse(Names.isValid("a/b"));
        assertFalse(Names.isValid("caf\u00e9"));
        assertFalse(Names.isValid("a b"));
    }

    @Test
    void dotAndDotDotAreNoNamesSinceANameIsAPathSegment() {
        assertFalse(Names.isValid("."));
        assertFalse(Names.isValid(".."));
        assertEquals("may not be . or ..", Names.problem(".."));
        assertNull(Names.problem(".a"));
    }

    @Test
    void connectionIdsAreThirtyTwoBase64UrlCharacters() {
        assertTrue(Names.isConnectionId("AbCd0123_-xyzXYZ0123456789abcdef"));
        assertFalse(Names.isConnectionId("AbCd0123_-xyzXYZ0123456789abcde"));
        assertFalse(Names.isConnectionId("AbCd0123_-xyzXYZ0123456789abcdef0"));
        assertFalse(Names.isConnectionId("AbCd0123_-xyzXYZ0123456789abcd.f"));
        assertFalse(Names.isConnectionId("AbCd0123_-xyzXYZ0123456789abcd+f"));
        assertFalse(Names.isConnectionId(null));
    }
}
