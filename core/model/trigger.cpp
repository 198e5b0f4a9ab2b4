// JSON codecs of crons, generators and packed generator arguments.
#include "core/model/trigger.hpp"

namespace colonies::model {

json::object to_json(const Cron& c) {
  return {{"cronid", c.cronid},
          {"initiatorid", c.initiatorid},
          {"initiatorname", c.initiatorname},
          {"colonyname", c.colonyname},
          {"name", c.name},
          {"cronexpression", c.cronexpression},
          {"interval", c.interval},
          {"random", c.random},
          {"nextrun", format_time(c.nextrun)},
          {"lastrun", format_time(c.lastrun)},
          {"workflowspec", c.workflowspec},
          {"prevprocessgraphid", c.prevprocessgraphid},
          {"prevout", c.prevout},
          {"waitforprevprocessgraph", c.waitforprevprocessgraph},
          {"checkerperiod", c.checkerperiod}};
}

Result<Cron> cron_from_json(const json::value& v, const std::string& path) {
  Cron c;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("cronid", c.cronid));
  COLONIES_CHECK(r.str("initiatorid", c.initiatorid));
  COLONIES_CHECK(r.str("initiatorname", c.initiatorname));
  COLONIES_CHECK(r.str("colonyname", c.colonyname));
  COLONIES_CHECK(r.str("name", c.name));
  COLONIES_CHECK(r.str("cronexpression", c.cronexpression));
  COLONIES_CHECK(r.i32("interval", c.interval));
  COLONIES_CHECK(r.boolean("random", c.random));
  COLONIES_CHECK(r.time("nextrun", c.nextrun));
  COLONIES_CHECK(r.time("lastrun", c.lastrun));
  COLONIES_CHECK(r.str("workflowspec", c.workflowspec));
  COLONIES_CHECK(r.str("prevprocessgraphid", c.prevprocessgraphid));
  COLONIES_CHECK(r.array("prevout", c.prevout));
  COLONIES_CHECK(r.boolean("waitforprevprocessgraph", c.waitforprevprocessgraph));
  COLONIES_CHECK(r.i32("checkerperiod", c.checkerperiod));
  return c;
}

json::object to_json(const Generator& g) {
  return {{"generatorid", g.generatorid},
          {"initiatorid", g.initiatorid},
          {"initiatorname", g.initiatorname},
          {"colonyname", g.colonyname},
          {"name", g.name},
          {"workflowspec", g.workflowspec},
          {"trigger", g.trigger},
          {"timeout", g.timeout},
          {"firstpack", format_time(g.firstpack)},
          {"lastrun", format_time(g.lastrun)},
          {"queuesize", g.queuesize},
          {"checkerperiod", g.checkerperiod}};
}

Result<Generator> generator_from_json(const json::value& v, const std::string& path) {
  Generator g;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.str("generatorid", g.generatorid));
  COLONIES_CHECK(r.str("initiatorid", g.initiatorid));
  COLONIES_CHECK(r.str("initiatorname", g.initiatorname));
  COLONIES_CHECK(r.str("colonyname", g.colonyname));
  COLONIES_CHECK(r.str("name", g.name));
  COLONIES_CHECK(r.str("workflowspec", g.workflowspec));
  COLONIES_CHECK(r.i32("trigger", g.trigger));
  COLONIES_CHECK(r.i32("timeout", g.timeout));
  COLONIES_CHECK(r.time("firstpack", g.firstpack));
  COLONIES_CHECK(r.time("lastrun", g.lastrun));
  COLONIES_CHECK(r.i32("queuesize", g.queuesize));
  COLONIES_CHECK(r.i32("checkerperiod", g.checkerperiod));
  return g;
}

json::object to_json(const GeneratorArg& a) {
  return {{"seq", a.seq}, {"generatorid", a.generatorid}, {"colonyname", a.colonyname}, {"arg", a.arg},
          {"packed", format_time(a.packed)}};
}

Result<GeneratorArg> generator_arg_from_json(const json::value& v, const std::string& path) {
  GeneratorArg a;
  COLONIES_TRY(r, FieldReader::of(v, path));
  COLONIES_CHECK(r.i64("seq", a.seq));
  COLONIES_CHECK(r.str("generatorid", a.generatorid));
  COLONIES_CHECK(r.str("colonyname", a.colonyname));
  COLONIES_CHECK(r.str("arg", a.arg));
  COLONIES_CHECK(r.time("packed", a.packed));
  return a;
}

}  // namespace colonies::model
