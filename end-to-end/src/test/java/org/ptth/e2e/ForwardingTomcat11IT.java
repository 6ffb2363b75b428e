package org.ptth.e2e;

import java.nio.file.Path;
import org.ptth.e2e.harness.TestEnvironment;

/**
 * Every check of {@link ForwardingIT}, with the relay in a standalone Tomcat 11 instead of 10.1: the
 * README promises both, and Tomcat 11 (Servlet 6.1) changed parts of the non-blocking I/O the relay
 * relies on.
 */
class ForwardingTomcat11IT extends ForwardingIT {

    @Override
    protected Path tomcatDistribution() {
        return TestEnvironment.tomcat11Home();
    }
}
