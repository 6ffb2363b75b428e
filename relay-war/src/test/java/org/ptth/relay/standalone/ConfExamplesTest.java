package org.ptth.relay.standalone;

import org.junit.jupiter.api.Test;
import org.ptth.relay.config.ConfigParser;
import org.ptth.relay.config.RelayConfig;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator files in conf/ say what the relay accepts: each example must parse as shipped. */
class ConfExamplesTest {
    private static final Path CONF = Path.of(System.getProperty("basedir", "."), "..", "conf").normalize();
    /** A commented-out setting: "#key=value", as opposed to prose comments. */
    private static final Pattern COMMENTED_SETTING = Pattern.compile("#([a-z][A-Za-z0-9._-]*=.*)");

    @Test
    void relayPropertiesAsShippedIsAValidEmptyConfiguration() throws Exception {
        final RelayConfig config = ConfigParser.parse(CONF.resolve("ptth-relay.properties"));
        assertEquals(List.of(), config.serverNames());
        assertEquals(List.of(), config.clientNames());
        assertEquals(Duration.ofSeconds(30), config.timeouts().listen());
    }

    @Test
    void relayPropertiesWithEveryExampleLineUncommentedIsValidToo() throws Exception {
        final String uncommented = Files.readAllLines(CONF.resolve("ptth-relay.properties"), StandardCharsets.UTF_8)
                .stream().map(line -> COMMENTED_SETTING.matcher(line).matches() ? line.substring(1) : line)
                .collect(Collectors.joining("\n"));
        final RelayConfig config = ConfigParser.parse(new StringReader(uncommented), "uncommented example");
        assertEquals(List.of("office", "lab-2"), config.serverNames().stream().sorted((a, b) -> b.compareTo(a)).toList());
        assertEquals(2, config.clientNames().size());
        // the values shown are the defaults
        final RelayConfig defaults = ConfigParser.parse(new StringReader(""), "empty");
        assertEquals(defaults.timeouts(), config.timeouts());
        assertEquals(defaults.limits(), config.limits());
    }

    @Test
    void xmlFragmentsAreWellFormed() throws Exception {
        final Element connector = root("tomcat-connector.xml");
        assertEquals("Connector", connector.getTagName());
        assertEquals("20000", connector.getAttribute("connectionTimeout"));
        assertEquals("10000", connector.getAttribute("maxConnections"));
        // a stopping relay refuses new connections at once while its open tunnels drain
        assertEquals("false", connector.getAttribute("bindOnInit"));
        // Tomcat's own 8 KiB per-connection buffers: bigger ones cost heap on every idle connection.
        assertFalse(connector.hasAttribute("socket.appReadBufSize"));
        final Element valve = root("remote-ip-valve.xml");
        assertEquals("org.apache.catalina.valves.RemoteIpValve", valve.getAttribute("className"));
        assertTrue("127.0.0.1".matches(valve.getAttribute("internalProxies")));
    }

    @Test
    void loggingFragmentDefinesItsHandler() throws IOException {
        final Properties logging = new Properties();
        try (var reader = Files.newBufferedReader(CONF.resolve("logging.properties"), StandardCharsets.UTF_8)) {
            logging.load(reader);
        }
        assertEquals("5ptth.org.apache.juli.FileHandler", logging.getProperty("org.ptth.relay.handlers"));
        assertEquals("ptth-relay.", logging.getProperty("5ptth.org.apache.juli.FileHandler.prefix"));
        assertEquals("INFO", logging.getProperty("org.ptth.relay.audit.level"));
    }

    @Test
    void setenvSetsTheConfigProperty() throws IOException {
        assertTrue(Files.readString(CONF.resolve("setenv.sh")).contains(
                "CATALINA_OPTS=\"$CATALINA_OPTS -Dptth.relay.config=/etc/ptth/ptth-relay.properties\""));
    }

    private static Element root(final String file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(CONF.resolve(file).toFile())
                .getDocumentElement();
    }
}
