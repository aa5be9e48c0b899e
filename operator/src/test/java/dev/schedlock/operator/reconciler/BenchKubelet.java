package dev.schedlock.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plays, for the scale benchmark, what the mock API server lacks between a Deployment and a Ready
 * SchedulerDeployment: the ReplicaSet controller and the kubelet (pods from the Deployment's
 * template, Running and Ready, each with its own loopback IP whose status endpoint
 * {@link BenchSidecars} answers, the first pod leading) and the Deployment controller (status
 * replicas and readyReplicas). What it leaves out: ReplicaSets, rollouts, probes, pod start time.
 * A Deployment whose status a spec update wiped (the mock keeps no status subresource for built-in
 * kinds) gets it published again, and {@link #statusRepublished} counts it.
 */
final class BenchKubelet implements AutoCloseable {

    private final KubernetesClient client;
    private final BenchSidecars sidecars;
    private final ExecutorService workers = Executors.newFixedThreadPool(4);
    private final Set<String> started = ConcurrentHashMap.newKeySet();
    private final AtomicLong statusRepublished = new AtomicLong();
    private final SharedIndexInformer<Deployment> informer;

    BenchKubelet(KubernetesClient client, String namespace, BenchSidecars sidecars) {
        this.client = client;
        this.sidecars = sidecars;
        this.informer = client.apps().deployments().inNamespace(namespace).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Deployment d) {
                workers.submit(() -> run(d));
            }

            @Override
            public void onUpdate(Deployment old, Deployment d) {
                if (started.contains(key(d)) && !ready(d)) {
                    statusRepublished.incrementAndGet();
                    workers.submit(() -> publishStatus(d));
                }
            }

            @Override
            public void onDelete(Deployment d, boolean unknown) {
            }
        });
    }

    /** Deployment statuses published again after an update of the Deployment wiped them. */
    long statusRepublished() {
        return statusRepublished.get();
    }

    private void run(Deployment d) {
        try {
            if (!started.add(key(d))) {
                return;
            }
            int replicas = Optional.ofNullable(d.getSpec().getReplicas()).orElse(1);
            String name = d.getMetadata().getName();
            PodTemplateSpec template = d.getSpec().getTemplate();
            for (int i = 0; i < replicas; i++) {
                String pod = name + "-" + i;
                String ip = sidecars.allocateIp();
                sidecars.report(ip, pod, name + "-0", 1);
                createOnce(new PodBuilder()
                        .withNewMetadata().withName(pod).withNamespace(d.getMetadata().getNamespace())
                        .withLabels(template.getMetadata().getLabels())
                        .withAnnotations(template.getMetadata().getAnnotations())
                        .endMetadata()
                        .withSpec(template.getSpec())
                        .withNewStatus().withPhase("Running").withPodIP(ip)
                        .addNewCondition().withType("Ready").withStatus("True").endCondition()
                        .endStatus()
                        .build());
            }
            publishStatus(d);
        } catch (RuntimeException e) {
            System.err.println("kubelet: " + e);
        }
    }

    /** Creates {@code pod}; a 409 means the client sent it again after a timeout and the first went through. */
    private void createOnce(Pod pod) {
        try {
            client.resource(pod).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    private void publishStatus(Deployment seen) {
        int replicas = Optional.ofNullable(seen.getSpec().getReplicas()).orElse(1);
        for (int attempt = 0; attempt < 5; attempt++) {
            Deployment d = attempt == 0 ? seen : client.resource(seen).get();
            if (d == null) {
                return;
            }
            d.setStatus(new DeploymentStatusBuilder().withReplicas(replicas).withUpdatedReplicas(replicas)
                    .withReadyReplicas(replicas).withAvailableReplicas(replicas)
                    .withObservedGeneration(d.getMetadata().getGeneration()).build());
            try {
                client.resource(d).updateStatus();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
    }

    private static boolean ready(Deployment d) {
        Integer wanted = d.getSpec().getReplicas();
        return d.getStatus() != null && wanted != null && wanted.equals(d.getStatus().getReadyReplicas());
    }

    private static String key(Deployment d) {
        return d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
    }

    @Override
    public void close() throws InterruptedException {
        informer.close();
        workers.shutdownNow();
        workers.awaitTermination(10, TimeUnit.SECONDS);
    }
}
