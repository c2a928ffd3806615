// The compiled-in subsystems, one SUBSYS(name) line each (the patch's
// include/linux/container_subsys.h). No include guard: every includer defines
// SUBSYS(x) to expand the list its own way (the id enum in uk/subsystem.h, the
// registry in subsys/registry.cc). The order fixes subsys_id and follows 2.6.24's
// cgroup_subsys.h: cpuset 0, debug 1, ns 2, cpu 3, cpuacct 4; then pids 5 (Linux 4.3's
// pids controller), freezer 6 (2.6.28's) and net 7 (uk's egress rate limit), appended so
// that the others keep their ids.

SUBSYS(cpuset)
SUBSYS(debug)
SUBSYS(ns)
SUBSYS(cpu)
SUBSYS(cpuacct)
SUBSYS(pids)
SUBSYS(freezer)
SUBSYS(net)
