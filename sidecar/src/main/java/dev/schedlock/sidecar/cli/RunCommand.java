package dev.schedlock.sidecar.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.rules.Durations;
import dev.schedlock.sidecar.api.ControlApi;
import dev.schedlock.sidecar.api.ReadyFile;
import dev.schedlock.sidecar.api.StepDownFile;
import dev.schedlock.sidecar.lease.LeaseConfig;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.jdbc.LeaseStores;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** {@code run}: hold or wait for the lease until SIGTERM, then hand it over gracefully and exit 0. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Hold or wait for the lease and serve the control API (the default command).",
        footer = {"", Durations.HELP})
final class RunCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    StoreOptions store;

    @Mixin
    RunOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        LeaseConfig config;
        HolderIdentity identity;
        try {
            config = options.leaseConfig(store.lockName);
            identity = options.identity(hostName());
            Sidecar.Wiring.requireValidHistoryRetention(options.historyRetention);
            ControlApi.requireLoopback(options.controlAddress.toSocketAddress());
            if (options.stepDownFile != null) {
                StepDownFile.requireUsable(options.stepDownFile);
            }
            if (options.readyFile != null) {
                ReadyFile.requireWritable(options.readyFile);
            }
            LogSetup.configure(options.logFormat(), options.logLevel, java.util.Map::of);
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        LeaseStore leaseStore;
        try {
            leaseStore = LeaseStores.open(store.settings(config.statementTimeout()));
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        }
        Sidecar.Wiring wiring = new Sidecar.Wiring(options.controlAddress.toSocketAddress(),
                options.statusAddress.toSocketAddress(), options.signalFile, options.nativeSidecar,
                options.historyRetention, options.stepDownFile);
        Sidecar sidecar = new Sidecar(config, leaseStore, identity, wiring);
        LogSetup.configure(options.logFormat(), options.logLevel, sidecar::logContext);

        CountDownLatch stop = new CountDownLatch(1);
        StartInterruption startInterruption = new StartInterruption(Thread.currentThread());
        SignalHandler onStop = s -> {
            stop.countDown();
            startInterruption.interrupt();
        };
        Signal.handle(new Signal("TERM"), onStop);
        Signal.handle(new Signal("INT"), onStop);
        try {
            sidecar.start();
        } catch (InterruptedException e) {
            // Stopped while the store was not usable yet: nothing is held, nothing to drain.
            startInterruption.started();
            sidecar.close();
            return 0;
        } catch (BindException e) {
            sidecar.close();
            return usage("an address is already in use or not available (" + e.getMessage() + "): choose another"
                    + " --control-address / --status-address or stop the process that holds it ("
                    + options.controlAddress + ", " + options.statusAddress + ")");
        } catch (IOException e) {
            sidecar.close();
            return usage("cannot listen: " + e.getMessage() + ": check --control-address and --status-address");
        } catch (IllegalArgumentException e) {
            sidecar.close();
            return usage(e.getMessage());
        } catch (StoreException e) {
            sidecar.close();
            return usage(e.getMessage());
        } finally {
            startInterruption.started();
        }
        ReadyFile ready = options.readyFile == null ? null : new ReadyFile(options.readyFile);
        if (ready != null) {
            try {
                ready.write(new ReadyFile.Content(ProcessHandle.current().pid(),
                        Sidecar.hostPort(sidecar.controlAddress()), sidecar.controlAddress().getPort(),
                        Sidecar.hostPort(sidecar.statusAddress()), sidecar.statusAddress().getPort()), JSON);
            } catch (IOException e) {
                sidecar.close();
                return usage("ready-file " + options.readyFile + " cannot be written: " + e.getMessage());
            }
        }
        if (options.exitOnceLeading) {
            // Image build: exercise the paths a running sidecar takes so that their classes land
            // in the class-data-sharing archive, then stop as on SIGTERM.
            sidecar.exerciseOnceLeading();
            stop.countDown();
        }
        stop.await();
        if (ready != null) {
            // First: from now on the sidecar hands out no new permits; tools should not start on it.
            ready.remove();
        }
        sidecar.close();
        return 0;
    }

    /**
     * A stop signal interrupts the start, which may wait for the store for a long time (with
     * back-off); once started, nothing is interrupted, so that the drain before the release runs in full.
     */
    private static final class StartInterruption {
        private final Thread starter;
        private boolean starting = true;

        StartInterruption(Thread starter) {
            this.starter = starter;
        }

        synchronized void interrupt() {
            if (starting) {
                starter.interrupt();
            }
        }

        /** From here on no interrupt comes; one that came at the last moment is cleared. */
        synchronized void started() {
            starting = false;
            Thread.interrupted();
        }
    }

    private int usage(String message) {
        spec.commandLine().getErr().println("schedlock: " + message);
        return SidecarMain.EXIT_USAGE;
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
