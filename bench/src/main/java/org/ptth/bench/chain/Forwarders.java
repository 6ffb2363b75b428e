package org.ptth.bench.chain;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ptth.bench.load.SshClient;

/** The baselines that forward every service: socat (one user-space hop) and {@code ssh -L} (one ssh connection). */
public final class Forwarders {

    private Forwarders() {
    }

    /** One socat per service, fork per connection, TCP_NODELAY both sides; the listening port per service. */
    public static Map<String, Integer> socat(final Processes processes, final Map<String, Integer> services)
            throws IOException {
        final Map<String, Integer> ports = new LinkedHashMap<>();
        for (final Map.Entry<String, Integer> s : services.entrySet()) {
            final int port = Processes.freePort();
            final Process p = processes.start("socat-" + s.getKey(), List.of("socat",
                    "TCP-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork,backlog=1024,nodelay",
                    "TCP:127.0.0.1:" + s.getValue() + ",nodelay"), Map.of(), null);
            Processes.await("socat for " + s.getKey(), 30, p, processes.log("socat-" + s.getKey()),
                    () -> Processes.listening(port));
            ports.put(s.getKey(), port);
        }
        return ports;
    }

    /** One {@code ssh -N} to the private sshd with a {@code -L} per service; the local port per service. */
    public static Map<String, Integer> sshL(final Processes processes, final SshServer.Running sshd,
                                            final Map<String, Integer> services) throws IOException {
        final Map<String, Integer> ports = new LinkedHashMap<>();
        final List<String> forwards = new ArrayList<>(List.of("-N", "-o", "ExitOnForwardFailure=yes"));
        final int[] free = Processes.freePorts(services.size());
        int i = 0;
        for (final Map.Entry<String, Integer> s : services.entrySet()) {
            forwards.add("-L");
            forwards.add("127.0.0.1:" + free[i] + ":127.0.0.1:" + s.getValue());
            ports.put(s.getKey(), free[i++]);
        }
        forwards.add(sshd.client().target());
        final SshClient client = sshd.client();
        final Process p = processes.start("ssh-L", client.ssh(sshd.port(), forwards.toArray(new String[0])),
                Map.of(), null);
        for (final int port : ports.values()) {
            Processes.await("ssh -L", 30, p, processes.log("ssh-L"), () -> Processes.listening(port));
        }
        return ports;
    }
}
