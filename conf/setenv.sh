# Fragment for Tomcat's bin/setenv.sh (create the file if there is none; catalina.sh sources it
# at every start, so it needs no execute bit). Add these lines, then restart Tomcat.

# Where the ptth relay reads its configuration (see conf/ptth-relay.properties). Without this,
# the relay looks for a context parameter ptth.relay.config, then for
# $CATALINA_BASE/conf/ptth-relay.properties. The file is re-read within 2 s of each edit: no
# restart needed for new keys or permissions.
CATALINA_OPTS="$CATALINA_OPTS -Dptth.relay.config=/etc/ptth/ptth-relay.properties"

# Optional: heap for many tunnels. scripts/bench measured about 410 KiB of relay heap per open
# four-stream tunnel (Tomcat's per-connection buffers included), so 1 GiB holds about 2,000.
#CATALINA_OPTS="$CATALINA_OPTS -Xmx2g"

# CATALINA_OPTS (not JAVA_OPTS) so that only the running Tomcat gets these options, not the
# "catalina.sh stop" command. If Tomcat runs under systemd with its own unit instead of
# catalina.sh, put the same -D option in the unit, e.g.
#   Environment="CATALINA_OPTS=-Dptth.relay.config=/etc/ptth/ptth-relay.properties"
