package org.ptth.e2e;

import java.nio.file.Path;
import org.ptth.e2e.harness.TestEnvironment;

/**
 * Every check of {@link MuxFrontsIT} with the relay in a standalone Tomcat 11: the multiplexed
 * transport rests on the Servlet upgrade API, whose implementation Tomcat 11 has of its own.
 */
class MuxFrontsTomcat11IT extends MuxFrontsIT {

    @Override
    protected Path tomcatDistribution() {
        return TestEnvironment.tomcat11Home();
    }
}
