// The chain measures and goal that the unit and the integration measure tests
// share: one measure of each kind (duration, within, without, all_before), a
// partner contribution in working days with a `where:` filter, and a goal.
// YAML to append to a chain with the milestones aangemeld, intake,
// geplaatst, woning_toegewezen and gehuisvest and the partner opvang.
#pragma once

namespace ketenflow::fixtures {

inline const char* const kMeasuresYaml = R"(measures:
  - {id: dur, name: Aanmelding tot gehuisvest, kind: duration, from: aangemeld, to: gehuisvest,
     norm_days: 30, target: 0.8}
  - {id: binnen, kind: within, from: aangemeld, to: intake, days: 2}
  - {id: zonder, kind: without, from: gehuisvest, to: geplaatst, days: 365}
  - {id: alles, kind: all_before, milestones: [intake, woning_toegewezen], before: gehuisvest,
     from: aangemeld}
  - {id: spoed, kind: within, from: aangemeld, to: intake, days: 2, working_days: true,
     where: {urgent: "true"}, partner: opvang, contributes_to: binnen}
goals:
  - {id: snel, name: Snel thuis, measures: [dur, binnen]}
)";

}  // namespace ketenflow::fixtures
