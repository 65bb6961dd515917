package lv.sadarbe.neo4j;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.io.locker.FileLockException;
import org.neo4j.logging.Log;
import org.neo4j.logging.log4j.Log4jLogProvider;

import sun.misc.Signal;

/**
 * Runs Neo4j Community embedded in this JVM and exposes it over Bolt, so that Sadarbe (Python)
 * can use a real Neo4j without a separately installed server distribution.
 *
 * <p>Contract with the caller: stdout carries exactly one line, {@code READY bolt://HOST:PORT},
 * once clients can connect; anything else on stdout/stderr is a fatal error. Everything else goes
 * to the log file.
 */
public final class Launcher {

    private static final int EXIT_FAILURE = 1;
    private static final int EXIT_USAGE = 2;
    private static final int MIN_PASSWORD_LENGTH = 8; // Neo4j 5's default auth_minimum_password_length

    private static final String USAGE = "usage: java [-Xmx...] -jar sadarbe-neo4j-launcher.jar --data-dir PATH"
            + " [--bolt-address HOST:PORT] [--pagecache SIZE] [--tx-memory SIZE] [--log-file PATH]"
            + " [--plugins-dir PATH] [--stop-when-stdin-closes]   (password: env NEO4J_PASSWORD, min 8 chars)";

    /** Parsed command line; defaults per infra/neo4j/README.md. */
    private static final class Options {
        Path dataDir;
        String boltHost = "127.0.0.1";
        int boltPort = 7687;
        long pagecache = ByteUnit.parse("256m");
        long txMemory = ByteUnit.parse("512m");
        Path logFile;
        Path pluginsDir;
        boolean stopWhenStdinCloses;
    }

    private Launcher() {}

    public static void main(String[] args) {
        Options opts;
        try {
            opts = parse(args);
        } catch (IllegalArgumentException e) {
            die(EXIT_USAGE, e.getMessage() + "\n" + USAGE);
            return;
        }
        // From the environment, not argv, so the password never shows up in `ps`.
        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.length() < MIN_PASSWORD_LENGTH) {
            die(EXIT_USAGE, "NEO4J_PASSWORD must be set and at least " + MIN_PASSWORD_LENGTH + " characters long");
        }

        Path pidFile = opts.dataDir.resolve("launcher.pid");
        Log4jLogProvider logProvider;
        try {
            Files.createDirectories(opts.dataDir);
            Files.createDirectories(opts.logFile.toAbsolutePath().getParent());
            // Neo4j's user log and our own messages share one file; debug.log stays in <data-dir>/logs.
            OutputStream logOut = new FileOutputStream(opts.logFile.toFile(), true);
            logProvider = new Log4jLogProvider(logOut);
        } catch (IOException e) {
            die(EXIT_FAILURE, "cannot prepare " + opts.dataDir + " / " + opts.logFile + ": " + e);
            return;
        }
        Log log = logProvider.getLog(Launcher.class);
        log.info("starting: data-dir=%s bolt=%s:%d pagecache=%d tx-memory=%d plugins-dir=%s",
                opts.dataDir, opts.boltHost, opts.boltPort, opts.pagecache, opts.txMemory, opts.pluginsDir);

        Server server = new Server(pidFile, log, logProvider);
        // The hook is the single shutdown path (signals, System.exit) so the store is always closed
        // cleanly and the next start does not have to run recovery.
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "neo4j-launcher-shutdown"));
        // Without this the JVM reports SIGTERM/SIGINT as exit 143/130; a requested stop is a success.
        Signal.handle(new Signal("TERM"), sig -> System.exit(0));
        Signal.handle(new Signal("INT"), sig -> System.exit(0));
        if (opts.stopWhenStdinCloses) {
            watchStdin(log);
        }

        try {
            server.start(opts, password);
            awaitListening(opts.boltHost, opts.boltPort);
        } catch (Throwable t) {
            log.error("startup failed", t);
            System.err.println("neo4j-launcher: " + describeStartupFailure(t, opts));
            System.err.flush();
            System.exit(EXIT_FAILURE); // via the hook, so a half-started DBMS still releases the store lock
        }

        String uri = "bolt://" + SocketAddress.format(opts.boltHost, opts.boltPort); // brackets IPv6
        log.info("ready on %s", uri);
        System.out.println("READY " + uri);
        System.out.flush();

        // Neo4j's own threads keep the JVM alive, but don't rely on that: park main until exit.
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Owns the DBMS so the shutdown hook can close it no matter how far startup got. */
    private static final class Server {
        private final Path pidFile;
        private final Log log;
        private final Log4jLogProvider logProvider;
        private DatabaseManagementService dbms;
        private boolean stopped;
        private boolean pidWritten;

        Server(Path pidFile, Log log, Log4jLogProvider logProvider) {
            this.pidFile = pidFile;
            this.log = log;
            this.logProvider = logProvider;
        }

        // synchronized: a signal during startup must wait for build() rather than race it.
        synchronized void start(Options opts, String password) throws IOException {
            var builder = new DatabaseManagementServiceBuilder(opts.dataDir)
                    .setUserLogProvider(logProvider)
                    // Embedded defaults to no auth; the Bolt port must not be an open door.
                    .setConfig(GraphDatabaseSettings.auth_enabled, true)
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress(opts.boltHost, opts.boltPort))
                    .setConfig(BoltConnector.advertised_address, new SocketAddress(opts.boltHost, opts.boltPort))
                    // Local use only, and no certificates to manage.
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    // neo4j-server is on the classpath transitively; make sure no HTTP port is opened.
                    .setConfig(HttpConnector.enabled, false)
                    .setConfig(HttpsConnector.enabled, false)
                    // The network is closed: no usage-report calls home.
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    // Netty's default 5 s quiet period would run after the stores are already closed,
                    // only delaying exit on SIGTERM; 1 s keeps the stop well within a caller's timeout.
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 1)
                    // Preallocating each database's 256 MiB transaction log buys little for one local
                    // hub and fills the disk when tests start many short-lived servers.
                    .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                    .setConfig(GraphDatabaseSettings.pagecache_memory, opts.pagecache)
                    .setConfig(GraphDatabaseSettings.memory_transaction_global_max_size, opts.txMemory);
            if (opts.pluginsDir != null) {
                builder.setConfig(GraphDatabaseSettings.plugin_dir, opts.pluginsDir.toAbsolutePath())
                        .setConfig(GraphDatabaseSettings.procedure_unrestricted, List.of("apoc.*"));
            }
            dbms = builder.build();
            // Only now, holding the store lock: a second launcher pointed at the same data dir
            // fails in build() and must neither overwrite nor delete the owner's pid file.
            Files.writeString(pidFile, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
            pidWritten = true;
            syncPassword(password);
        }

        /**
         * Makes NEO4J_PASSWORD the neo4j user's password on every start, so rotating the env var
         * is enough and no client ever sees "password change required". Embedded transactions run
         * with full privileges, so no current password is needed. Neo4j refuses to "change" a
         * password to the value it already has, and there is no way to read the hash back through
         * public API, so an unchanged password is detected from that refusal.
         */
        private void syncPassword(String password) {
            var system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
            try {
                system.executeTransactionally("ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED",
                        Map.of("pw", password));
                log.info("password of user neo4j set from NEO4J_PASSWORD");
            } catch (RuntimeException e) {
                if (!messageChain(e).contains("Old password and new password cannot be the same")) {
                    throw e;
                }
                // Unchanged since the previous start, which already cleared "change required".
                log.info("password of user neo4j already matches NEO4J_PASSWORD");
            }
        }

        synchronized void stop() {
            if (stopped) {
                return;
            }
            stopped = true;
            if (dbms != null) {
                log.info("shutting down");
                try {
                    dbms.shutdown();
                    log.info("shutdown complete");
                } catch (Throwable t) {
                    log.error("shutdown failed", t);
                }
            }
            if (pidWritten) {
                try {
                    Files.deleteIfExists(pidFile);
                } catch (IOException e) {
                    log.warn("could not delete %s: %s", pidFile, e);
                }
            }
            logProvider.close();
        }
    }

    /**
     * The process that started us holds the other end of stdin: when it ends, however it ends
     * (SIGKILL included, when it can run no cleanup), the pipe closes and we stop too, so a
     * database is never left running without its owner.
     */
    private static void watchStdin(Log log) {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // Nothing is ever sent; only the end of the stream matters.
                }
            } catch (IOException e) {
                // A broken pipe is an ended owner too.
            }
            log.info("stdin closed: the owning process is gone; stopping");
            System.exit(0);
        }, "neo4j-launcher-stdin-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /**
     * build() returns once the Bolt connector is started, but READY is a promise to the caller
     * that a connect will succeed, so check it the way a client would.
     */
    private static void awaitListening(String host, int port) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 1000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("Bolt is not accepting connections on " + host + ":" + port, e);
                }
                Thread.sleep(100);
            }
        }
    }

    /** One line a human can act on; the full stack trace is in the log file. */
    private static String describeStartupFailure(Throwable t, Options opts) {
        Throwable root = t;
        boolean portInUse = false;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof FileLockException) {
                return "database in " + opts.dataDir + " is locked by another process: " + c.getMessage();
            }
            // Netty's native transport reports EADDRINUSE as a plain IOException, hence the message test.
            portInUse |= c instanceof BindException || String.valueOf(c.getMessage()).contains("already in use");
            root = c;
        }
        if (portInUse) {
            return "cannot listen on " + SocketAddress.format(opts.boltHost, opts.boltPort) + ": " + root.getMessage();
        }
        return "startup failed: " + root + " (details in " + opts.logFile + ")";
    }

    private static String messageChain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }

    private static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("-h") || name.equals("--help")) {
                System.out.println(USAGE);
                System.exit(0);
            }
            if (name.equals("--stop-when-stdin-closes")) {
                o.stopWhenStdinCloses = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + name);
            }
            String value = args[++i];
            switch (name) {
                case "--data-dir" -> o.dataDir = Path.of(value).toAbsolutePath();
                case "--bolt-address" -> parseAddress(value, o);
                case "--pagecache" -> o.pagecache = parseSize(name, value);
                case "--tx-memory" -> o.txMemory = parseSize(name, value);
                case "--log-file" -> o.logFile = Path.of(value).toAbsolutePath();
                case "--plugins-dir" -> o.pluginsDir = Path.of(value).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (o.dataDir == null) {
            throw new IllegalArgumentException("--data-dir is required");
        }
        if (o.logFile == null) {
            o.logFile = o.dataDir.resolve("logs").resolve("launcher.log");
        }
        return o;
    }

    /** HOST:PORT, with [v6]:PORT for IPv6 literals. */
    private static void parseAddress(String value, Options o) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException("--bolt-address must be HOST:PORT, got " + value);
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            o.boltPort = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--bolt-address has a bad port: " + value);
        }
        if (o.boltPort < 1 || o.boltPort > 65535) {
            throw new IllegalArgumentException("--bolt-address port out of range: " + value);
        }
        o.boltHost = host;
    }

    private static long parseSize(String name, String value) {
        try {
            return ByteUnit.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " must be a size like 256m or 1g, got " + value);
        }
    }

    private static void die(int code, String message) {
        System.err.println("neo4j-launcher: " + message);
        System.err.flush();
        System.exit(code);
    }
}
