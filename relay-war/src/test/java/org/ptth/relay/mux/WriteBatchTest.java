package org.ptth.relay.mux;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import org.junit.jupiter.api.Test;

/** The writes a read or a tunnel event causes wait for the end of its batch, one per writer. */
class WriteBatchTest {

    @Test
    void writersTouchedDuringABatchWriteOnceEachAtItsEnd() {
        final QueuedWriter client = mock(QueuedWriter.class);
        final QueuedWriter server = mock(QueuedWriter.class);
        final WriteBatch batch = WriteBatch.begin();
        assertNotNull(batch);
        WriteBatch.wake(client);
        WriteBatch.wake(server);
        WriteBatch.wake(client);
        verify(client, never()).flush();
        verify(server, never()).flush();
        WriteBatch.end(batch);
        verify(client, times(1)).flush();
        verify(server, times(1)).flush();
    }

    @Test
    void aBatchBegunInsideAnotherLeavesTheEndToTheOuterOne() {
        final QueuedWriter writer = mock(QueuedWriter.class);
        final WriteBatch outer = WriteBatch.begin();
        final WriteBatch inner = WriteBatch.begin();
        assertNull(inner);
        WriteBatch.wake(writer);
        WriteBatch.end(inner);
        verify(writer, never()).flush();
        WriteBatch.end(outer);
        verify(writer, times(1)).flush();
    }

    @Test
    void afterABatchEndsWritesHappenAtOnceAndANewBatchCanBegin() {
        final QueuedWriter writer = mock(QueuedWriter.class);
        WriteBatch.end(WriteBatch.begin());
        assertFalse(WriteBatch.defer(writer), "a batch that ended still took writes");
        WriteBatch.wake(writer);
        verify(writer, times(1)).flush();

        final WriteBatch next = WriteBatch.begin();
        assertNotNull(next, "the thread still counted as inside a batch");
        assertTrue(WriteBatch.defer(writer));
        WriteBatch.end(next);
        verify(writer, times(2)).flush();
    }
}
