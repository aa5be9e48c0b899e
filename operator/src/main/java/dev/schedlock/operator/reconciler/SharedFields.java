package dev.schedlock.operator.reconciler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The fields of an owned object that others write too, and how an update keeps their part: the
 * labels and annotations of the object and, for a Deployment, of its pod template (where
 * {@code kubectl rollout restart} writes {@code kubectl.kubernetes.io/restartedAt}), and a
 * Deployment's {@code spec.paused} ({@code kubectl rollout pause}), which the operator never sets.
 *
 * <p>Every other field belongs to the operator and is written as the model builds it. In the maps,
 * the operator owns the keys it wrote last time, recorded in the annotation {@value #MANAGED_KEYS}:
 * on an update, a key it wrote before and no longer wants is removed, a key it wants is set
 * (its value wins over another writer's), and every other key is kept. An object written by an
 * operator version without that record loses none of its keys: a key the operator stopped
 * wanting then stays until someone removes it.
 */
final class SharedFields {

    /** The keys the operator wrote, per map: {@code {"labels":[…],"annotations":[…],"template.labels":[…],…}}. */
    static final String MANAGED_KEYS = "schedlock.dev/managed-keys";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, List<String>>> KEYS = new TypeReference<>() {
    };

    /** One metadata block that others write into: the object's own, or its pod template's. */
    private record Place(String prefix, Function<HasMetadata, ObjectMeta> meta) {
    }

    private static final Place OBJECT = new Place("", HasMetadata::getMetadata);
    private static final Place TEMPLATE = new Place("template.",
            o -> o instanceof Deployment d && d.getSpec() != null && d.getSpec().getTemplate() != null
                    ? d.getSpec().getTemplate().getMetadata() : null);

    private SharedFields() {
    }

    /**
     * Gives {@code update} (a copy of the desired object, about to replace {@code live}) the keys
     * others wrote into {@code live}, drops the keys the operator wrote before and no longer wants,
     * and records which keys are the operator's now.
     *
     * @param bookkeeping annotations of the operator's own that are not part of the desired object
     *                    (the desired-state hash); always the operator's
     */
    static void keepOthers(HasMetadata update, HasMetadata live, Set<String> bookkeeping) {
        Map<String, List<String>> before = managedKeys(live);
        Map<String, List<String>> now = new TreeMap<>();
        for (Place place : places(update)) {
            ObjectMeta mine = place.meta().apply(update);
            ObjectMeta theirs = live == null ? null : place.meta().apply(live);
            mine.setLabels(merge(mine.getLabels(), theirs == null ? null : theirs.getLabels(),
                    before.get(place.prefix() + "labels"), now, place.prefix() + "labels", Set.of()));
            mine.setAnnotations(merge(mine.getAnnotations(), theirs == null ? null : theirs.getAnnotations(),
                    before.get(place.prefix() + "annotations"), now, place.prefix() + "annotations",
                    place == OBJECT ? bookkeeping : Set.of()));
        }
        if (update instanceof Deployment d && live instanceof Deployment l && d.getSpec().getPaused() == null) {
            d.getSpec().setPaused(l.getSpec().getPaused());
        }
        try {
            update.getMetadata().getAnnotations().put(MANAGED_KEYS, JSON.writeValueAsString(now));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of string lists is always JSON", e);
        }
    }

    private static List<Place> places(HasMetadata object) {
        List<Place> places = new ArrayList<>(List.of(OBJECT));
        if (TEMPLATE.meta().apply(object) != null) {
            places.add(TEMPLATE);
        }
        return places;
    }

    private static Map<String, String> merge(Map<String, String> wanted, Map<String, String> live,
                                             List<String> ownedBefore, Map<String, List<String>> ownedNow,
                                             String name, Set<String> bookkeeping) {
        Map<String, String> mine = Optional.ofNullable(wanted).orElseGet(Map::of);
        Map<String, String> result = new LinkedHashMap<>(Optional.ofNullable(live).orElseGet(Map::of));
        Optional.ofNullable(ownedBefore).orElseGet(List::of).stream()
                .filter(key -> !mine.containsKey(key))
                .forEach(result::remove);
        result.putAll(mine);
        List<String> owned = mine.keySet().stream().filter(k -> !bookkeeping.contains(k)).sorted().toList();
        if (!owned.isEmpty()) {
            ownedNow.put(name, owned);
        }
        return result;
    }

    /** The keys the operator recorded on {@code live}; none when it recorded nothing (or there is no live object). */
    private static Map<String, List<String>> managedKeys(HasMetadata live) {
        String recorded = live == null || live.getMetadata().getAnnotations() == null ? null
                : live.getMetadata().getAnnotations().get(MANAGED_KEYS);
        if (recorded == null) {
            return Map.of();
        }
        try {
            return JSON.readValue(recorded, KEYS);
        } catch (JsonProcessingException e) {
            // Edited by hand into something else: treat every key as someone else's, lose none.
            return Map.of();
        }
    }
}
