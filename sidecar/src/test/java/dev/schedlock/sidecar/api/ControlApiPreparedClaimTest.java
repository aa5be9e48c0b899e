package dev.schedlock.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ser.DefaultSerializerProvider;
import dev.schedlock.sidecar.lease.LeaseConfig;
import dev.schedlock.sidecar.lease.LeaseElector;
import dev.schedlock.sidecar.lease.LeaseMetrics;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.LeaseStore;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * The control API prepares the JSON of a claim's answer when it is made, so that the first claim
 * granted after a standby takes over does not build it (docs/benchmarks.md, "Graceful handoff with
 * returned claims").
 */
class ControlApiPreparedClaimTest {

    @Test
    void shouldHaveTheClaimAnswersSerializerBeforeTheFirstClaim() throws Exception {
        ObjectMapper json = new ObjectMapper();
        DefaultSerializerProvider serializers = (DefaultSerializerProvider) json.getSerializerProvider();
        try (ControlApi api = new ControlApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), standby(),
                () -> { }, json)) {
            int prepared = serializers.cachedSerializersCount();

            json.writeValueAsBytes(Answers.Claim.granted(7, 5_000, "AAAAAAAAAAAAAAAAAAAAAA"));
            json.writeValueAsBytes(Answers.Claim.refused(7, 0, "NOT_LEADER", null, null));

            assertThat(prepared).as("serializers built by the control API itself").isPositive();
            assertThat(serializers.cachedSerializersCount()).as("serializers built by the first answers").isEqualTo(prepared);
        }
    }

    /** An elector that is never driven: its store only has to say its id. */
    private static LeaseElector standby() {
        LeaseStore store = (LeaseStore) Proxy.newProxyInstance(LeaseStore.class.getClassLoader(),
                new Class<?>[] {LeaseStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("storeId")) {
                        return "store-1";
                    }
                    throw new AssertionError("the control API must not use the store when it is made: " + method);
                });
        return new LeaseElector(LeaseConfig.builder().lockName("prepared").build(), store,
                new HolderIdentity("pod-a/uid-a/0a0a0a", "pod-a", "host-a", 1), System::nanoTime, () -> 0.0,
                LeaseMetrics.NOOP);
    }
}
