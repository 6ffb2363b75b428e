package org.ptth.relay.admin;

import org.ptth.relay.config.ConfigWatcher;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.metrics.Limit;
import org.ptth.relay.metrics.OpenTunnel;
import org.ptth.relay.metrics.RefusedTunnel;
import org.ptth.relay.metrics.RelayMetrics;
import org.ptth.relay.metrics.RelayState;
import org.ptth.relay.metrics.Timeline;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The admin's page, as one string of HTML: the configuration's state, servers online, open
 * tunnels, recent refusals, limits in use and two charts of the last hour. Every value comes from
 * {@link RelayMetrics} (the same figures as GET /metrics and JMX); every name and reason is escaped.
 */
final class StatusPage {
    static final int REFRESH_SECONDS = 5;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final String STYLE = String.join("\n",
            "body{font-family:system-ui,sans-serif;margin:0 auto;padding:0.5em;max-width:70em;color:#222}",
            "h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.4em;border-bottom:1px solid #ccc}",
            ".scroll{overflow-x:auto}table{border-collapse:collapse;font-size:0.9em}",
            "th,td{padding:0.25em 0.6em;text-align:left;border-bottom:1px solid #eee;white-space:nowrap}",
            "td.n{text-align:right;font-variant-numeric:tabular-nums}",
            ".ok{color:#176117}.bad{color:#a01010;font-weight:bold}.muted{color:#777}",
            ".charts{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0;flex:1 1 20em}",
            "svg{width:100%;height:9em}svg text{font-size:11px;fill:#555}",
            "svg .frame{fill:none;stroke:#bbb}svg .grid{stroke:#eee}",
            "svg .data{fill:none;stroke:#1f5fbf;stroke-width:2;vector-effect:non-scaling-stroke}",
            "dl{display:grid;grid-template-columns:max-content auto;gap:0.2em 1em}dt{color:#555}dd{margin:0}");

    private StatusPage() {
    }

    static String render(final String webapp, final RelayMetrics metrics, final Map<String, Integer> muxByRole) {
        final RelayState state = metrics.state();
        final RelayConfig config = state.config();
        final long now = System.currentTimeMillis();
        final StringBuilder html = new StringBuilder(8192);
        html.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<meta http-equiv=\"refresh\" content=\"").append(REFRESH_SECONDS).append("\">")
                .append("<title>ptth relay ").append(Html.text(webapp)).append("</title><style>").append(STYLE)
                .append("</style></head><body>")
                .append("<h1>ptth relay <span class=\"muted\">").append(Html.text(webapp)).append("</span></h1>")
                .append("<p class=\"muted\">").append(TIME.format(Instant.ofEpochMilli(now)))
                .append(", refreshed every ").append(REFRESH_SECONDS).append(" s</p>");
        configuration(html, state);
        if (config != null) {
            servers(html, config, state);
        }
        tunnels(html, metrics.openTunnels());
        refusals(html, metrics.recentRefusals());
        limits(html, config, state, metrics, muxByRole);
        final Timeline.Point[] points = metrics.timeline().points();
        html.append("<h2>Last hour</h2><div class=\"charts\">")
                .append(Chart.svg("chart-tunnels", "tunnels open", points, now, Timeline.Point::tunnels, false))
                .append(Chart.svg("chart-bytes", "bytes per second (both ways)", points, now,
                        Timeline.Point::bytesPerSecond, true))
                .append("</div>");
        html.append("<p class=\"muted\">Since start: ")
                .append(count(metrics.total("ptth_relay_tunnels_opened", null, null))).append(" tunnels opened, ")
                .append(count(metrics.total("ptth_relay_tunnels_refused", null, null))).append(" refused, ")
                .append(count(metrics.total("ptth_relay_tunnels_closed", null, null))).append(" closed.</p>")
                .append("</body></html>\n");
        return html.toString();
    }

    private static void configuration(final StringBuilder html, final RelayState state) {
        final ConfigWatcher.History history = state.configHistory();
        html.append("<h2>Configuration</h2><dl id=\"configuration\"><dt>file</dt><dd>")
                .append(Html.text(state.configFile().toString())).append("</dd><dt>state</dt><dd>");
        if (state.config() == null) {
            html.append("<span class=\"bad\" id=\"config-state\">no valid configuration: every call gets 503</span>");
        } else if (history.rejection() != null) {
            html.append("<span class=\"bad\" id=\"config-state\">last edit rejected; the previous configuration"
                    + " stays in force</span>");
        } else {
            html.append("<span class=\"ok\" id=\"config-state\">loaded</span>");
        }
        html.append("</dd><dt>last loaded</dt><dd>").append(when(history.lastLoadedMillis())).append("</dd>")
                .append("<dt>loads</dt><dd>").append(history.loaded()).append(" ok, ").append(history.rejected())
                .append(" rejected</dd>");
        if (history.rejection() != null) {
            html.append("<dt>rejected</dt><dd>").append(when(history.lastRejectedMillis()))
                    .append(": <span id=\"config-error\">").append(Html.text(history.rejection())).append("</span></dd>");
        }
        html.append("</dl>");
    }

    private static void servers(final StringBuilder html, final RelayConfig config, final RelayState state) {
        final Map<String, Map<String, Integer>> polls = state.parkedPolls();
        final Map<String, Map<String, Integer>> mux = state.muxListeners();
        html.append("<h2>Servers</h2><div class=\"scroll\"><table id=\"servers\"><thead><tr><th>server</th>")
                .append("<th>state</th><th>ports: parked polls</th><th>ports: mux connections</th></tr></thead><tbody>");
        for (final String server : new TreeSet<>(config.serverNames())) {
            final boolean online = polls.containsKey(server) || mux.containsKey(server);
            html.append("<tr data-server=\"").append(Html.text(server)).append("\"><td>").append(Html.text(server))
                    .append("</td><td class=\"").append(online ? "ok\">online" : "muted\">offline").append("</td><td>")
                    .append(ports(polls.get(server))).append("</td><td>").append(ports(mux.get(server)))
                    .append("</td></tr>");
        }
        html.append("</tbody></table></div>");
    }

    private static String ports(final Map<String, Integer> ports) {
        if (ports == null) {
            return "";
        }
        final StringBuilder out = new StringBuilder();
        ports.forEach((port, n) -> out.append(out.length() == 0 ? "" : ", ").append(Html.text(port)).append(": ").append(n));
        return out.toString();
    }

    private static void tunnels(final StringBuilder html, final List<OpenTunnel> tunnels) {
        html.append("<h2>Open tunnels (").append(tunnels.size()).append(")</h2>")
                .append("<div class=\"scroll\"><table id=\"tunnels\"><thead><tr><th>client</th><th>to</th>")
                .append("<th>transport</th><th>age</th><th>up</th><th>down</th><th>rate up</th><th>rate down</th>")
                .append("</tr></thead><tbody>");
        for (final OpenTunnel t : tunnels) {
            html.append("<tr data-client=\"").append(Html.text(t.client())).append("\" data-target=\"")
                    .append(Html.text(t.server() + "/" + t.port())).append("\" data-up=\"").append(t.upBytes())
                    .append("\" data-down=\"").append(t.downBytes()).append("\"><td>").append(Html.text(t.client()))
                    .append(" <span class=\"muted\">").append(Html.text(t.clientAddress())).append("</span></td><td>")
                    .append(Html.text(t.server() + "/" + t.port())).append("</td><td>").append(Html.text(t.transport()))
                    .append("</td><td class=\"n\">").append(Html.age(t.ageMillis())).append("</td><td class=\"n\">")
                    .append(Html.bytes(t.upBytes())).append("</td><td class=\"n\">").append(Html.bytes(t.downBytes()))
                    .append("</td><td class=\"n\">").append(Html.bytes(t.upRate())).append("/s</td><td class=\"n\">")
                    .append(Html.bytes(t.downRate())).append("/s</td></tr>");
        }
        html.append("</tbody></table></div>");
    }

    private static void refusals(final StringBuilder html, final List<RefusedTunnel> refusals) {
        html.append("<h2>Recent refusals</h2><div class=\"scroll\"><table id=\"refusals\"><thead><tr><th>when</th>")
                .append("<th>client</th><th>to</th><th>answer</th><th>reason</th></tr></thead><tbody>");
        for (final RefusedTunnel r : refusals) {
            html.append("<tr data-client=\"").append(Html.text(r.client())).append("\" data-reason=\"")
                    .append(Html.text(r.reason())).append("\"><td>").append(when(r.millis())).append("</td><td>")
                    .append(Html.text(r.client())).append(" <span class=\"muted\">").append(Html.text(r.clientAddress()))
                    .append("</span></td><td>").append(Html.text(r.server() + "/" + r.port())).append("</td><td>")
                    .append(r.status() == 0 ? "-" : Integer.toString(r.status())).append("</td><td>")
                    .append(Html.text(r.reason())).append(": ").append(Html.text(r.why())).append("</td></tr>");
        }
        html.append("</tbody></table></div>");
    }

    private static void limits(final StringBuilder html, final RelayConfig config, final RelayState state,
                               final RelayMetrics metrics, final Map<String, Integer> muxByRole) {
        html.append("<h2>Limits in use</h2><div class=\"scroll\"><table id=\"limits\"><thead><tr><th>setting</th>")
                .append("<th>in use</th><th>limit</th><th>reached</th></tr></thead><tbody>");
        if (config != null) {
            final Map<String, Integer> byClient = metrics.openTunnelsByClient();
            final int open = byClient.values().stream().mapToInt(Integer::intValue).sum();
            final Map.Entry<String, Integer> busiestClient = byClient.entrySet().stream()
                    .max(Map.Entry.comparingByValue()).orElse(null);
            int busiestServerPolls = 0;
            String busiestServer = null;
            for (final Map.Entry<String, Map<String, Integer>> server : state.parkedPolls().entrySet()) {
                final int n = server.getValue().values().stream().mapToInt(Integer::intValue).sum();
                if (n > busiestServerPolls) {
                    busiestServerPolls = n;
                    busiestServer = server.getKey();
                }
            }
            limit(html, metrics, Limit.TUNNELS.setting(), open + " open", config.limits().tunnels());
            limit(html, metrics, Limit.TUNNELS_PER_CLIENT.setting(), busiestClient == null ? "0"
                    : busiestClient.getValue() + " (" + busiestClient.getKey() + ")", config.limits().tunnelsPerClient());
            limit(html, metrics, Limit.LISTENS_PER_SERVER.setting(), busiestServer == null ? "0"
                    : busiestServerPolls + " (" + busiestServer + ")", config.limits().listensPerServer());
            limit(html, metrics, Limit.PENDING_CONNECTS_PER_SERVER.setting(), "", config.limits().pendingConnectsPerServer());
            limit(html, metrics, Limit.MUX_CONNECTIONS_PER_PRINCIPAL.setting(), muxByRole.get("server")
                    + " server, " + muxByRole.get("client") + " client connections in all",
                    config.mux().connectionsPerPrincipal());
            html.append("<tr><td>buffer.max</td><td class=\"n\">").append(Html.bytes(state.spliceBufferBytes()))
                    .append("</td><td class=\"n\">").append(Html.bytes(config.limits().bufferMax())).append("</td><td></td></tr>")
                    .append("<tr><td>mux.buffer.max</td><td class=\"n\">").append(Html.bytes(state.muxBufferBytes()))
                    .append("</td><td class=\"n\">").append(Html.bytes(config.mux().bufferMax())).append("</td><td></td></tr>");
        }
        html.append("</tbody></table></div>");
    }

    private static void limit(final StringBuilder html, final RelayMetrics metrics, final String setting,
                              final String inUse, final long value) {
        html.append("<tr data-limit=\"").append(setting).append("\"><td>").append(setting).append("</td><td>")
                .append(Html.text(inUse)).append("</td><td class=\"n\">").append(value).append("</td><td class=\"n\">")
                .append(count(metrics.total("ptth_relay_limit_reached", "limit", setting))).append("</td></tr>");
    }

    private static String count(final double n) {
        return String.format(Locale.ROOT, "%.0f", n);
    }

    private static String when(final long millis) {
        return millis == 0 ? "never" : TIME.format(Instant.ofEpochMilli(millis));
    }
}
