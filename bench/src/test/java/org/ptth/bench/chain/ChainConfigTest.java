package org.ptth.bench.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The files the bench derives from the project's own: Tomcat's server.xml, the proxies' transports. */
class ChainConfigTest {

    private static final String DISTRIBUTION = String.join("\n",
            "<Server port=\"8005\" shutdown=\"SHUTDOWN\">",
            "  <Service name=\"Catalina\">",
            "    <!-- <Connector port=\"8080\" protocol=\"HTTP/1.1\" /> in a comment stays -->",
            "    <Connector port=\"8080\" protocol=\"HTTP/1.1\"",
            "               connectionTimeout=\"20000\"",
            "               redirectPort=\"8443\"",
            "               maxParameterCount=\"1000\"",
            "               />",
            "    <Engine name=\"Catalina\" defaultHost=\"localhost\"/>",
            "  </Service>",
            "</Server>");

    @Test
    void serverXmlGetsTheShippedConnector() throws IOException {
        final Path shipped = Path.of("..", "conf", "tomcat-connector.xml");
        final String xml = RelayTomcat.serverXml(DISTRIBUTION, Files.readString(shipped), 41234);
        assertTrue(xml.contains("<Server port=\"-1\""), xml);
        assertTrue(xml.contains("port=\"41234\""), xml);
        assertTrue(xml.contains("maxConnections=\"10000\""), xml);
        assertTrue(xml.contains("keepAliveTimeout=\"20000\""), xml);
        assertFalse(xml.contains("maxParameterCount"), "the distribution's connector must be gone: " + xml);
    }

    @Test
    void maxConnectionsOfTheShippedConnector() throws IOException {
        assertEquals(10_000, RelayTomcat.maxConnections(Files.readString(Path.of("..", "conf", "tomcat-connector.xml"))
                .replaceAll("(?s)<!--.*?-->", "")));
        assertEquals(8192, RelayTomcat.maxConnections("<Connector port=\"8080\" />"));
    }

    @Test
    void serverXmlWithoutConnectorIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> RelayTomcat.serverXml("<Server port=\"8005\"/>",
                "<Connector port=\"8080\" />", 1));
        assertThrows(IllegalArgumentException.class, () -> RelayTomcat.serverXml(DISTRIBUTION, "<!-- none -->", 1));
    }

    @Test
    void transportsFromTheProxiesHelp() throws IOException {
        assertEquals(List.of("four-stream", "duplex"), Ptth.transportsIn(
                " --transport <four-stream|duplex>     four exchanges per tunnel (default), or two"));
        assertEquals(List.of("auto", "mux", "four-stream"), Ptth.transportsIn(
                " --transport <auto|mux|four-stream>  ..."));
        assertThrows(IOException.class, () -> Ptth.transportsIn("usage: ptth-proxy client"));
    }
}
