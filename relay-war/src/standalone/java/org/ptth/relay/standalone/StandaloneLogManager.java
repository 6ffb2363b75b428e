package org.ptth.relay.standalone;

import java.util.logging.LogManager;

/**
 * The JDK's log manager, except that it keeps its handlers until the launcher is done with them.
 * Two callers would otherwise remove them too early: Tomcat, which resets any log manager other
 * than the JDK's own whenever a web application stops (so that a failed start or the shutdown
 * would go silent half way), and the JDK's own shutdown hook, which races with the launcher's,
 * so that the relay's last lines ("ptth relay stopped; N tunnels finished during the grace, M cut") would often be lost.
 * Installed by {@link Main} through {@code java.util.logging.manager} unless the operator chose
 * a log manager.
 */
public final class StandaloneLogManager extends LogManager {
    private volatile boolean released;

    @Override
    public void reset() {
        // readConfiguration() starts with a reset: that one is the configuration being loaded.
        if (released || calledFromReadConfiguration()) {
            super.reset();
        }
    }

    /** Called by the launcher once Tomcat has stopped: flushes and closes the handlers. */
    void resetNow() {
        released = true;
        super.reset();
    }

    private static boolean calledFromReadConfiguration() {
        return StackWalker.getInstance().walk(frames -> frames.skip(2).findFirst()
                .map(f -> f.getClassName().equals(LogManager.class.getName())
                        && f.getMethodName().equals("readConfiguration"))
                .orElse(false));
    }
}
