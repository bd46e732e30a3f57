BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('dc11669786a5');
CREATE TABLE "assessments" (
	assessment_id VARCHAR(50) NOT NULL, 
	trace_id VARCHAR(50) NOT NULL, 
	name VARCHAR(250) NOT NULL, 
	assessment_type VARCHAR(20) NOT NULL, 
	value TEXT NOT NULL, 
	error TEXT, 
	created_timestamp BIGINT NOT NULL, 
	last_updated_timestamp BIGINT NOT NULL, 
	source_type VARCHAR(50) NOT NULL, 
	source_id VARCHAR(250), 
	run_id VARCHAR(32), 
	span_id VARCHAR(50), 
	rationale TEXT, 
	overrides VARCHAR(50), 
	valid BOOLEAN NOT NULL, 
	assessment_metadata TEXT, 
	experiment_id INTEGER, 
	trace_timestamp_ms BIGINT, 
	aggregate_value FLOAT, 
	is_numeric_value BOOLEAN DEFAULT 0 NOT NULL, 
	CONSTRAINT assessments_pk PRIMARY KEY (assessment_id), 
	CONSTRAINT fk_assessments_trace_id FOREIGN KEY(trace_id) REFERENCES trace_info (request_id) ON DELETE CASCADE
);
CREATE TABLE budget_policies (
	budget_policy_id VARCHAR(36) NOT NULL, 
	budget_unit VARCHAR(32) NOT NULL, 
	budget_amount FLOAT NOT NULL, 
	duration_unit VARCHAR(32) NOT NULL, 
	duration_value INTEGER NOT NULL, 
	target_scope VARCHAR(32) NOT NULL, 
	budget_action VARCHAR(32) NOT NULL, 
	created_by VARCHAR(255), 
	created_at BIGINT NOT NULL, 
	last_updated_by VARCHAR(255), 
	last_updated_at BIGINT NOT NULL, 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, target_value VARCHAR(255), 
	CONSTRAINT budget_policies_pk PRIMARY KEY (budget_policy_id)
);
CREATE TABLE "datasets" (
	dataset_uuid VARCHAR(36) NOT NULL, 
	experiment_id INTEGER NOT NULL, 
	name VARCHAR(500) NOT NULL, 
	digest VARCHAR(36) NOT NULL, 
	dataset_source_type VARCHAR(36) NOT NULL, 
	dataset_source TEXT NOT NULL, 
	dataset_schema TEXT, 
	dataset_profile TEXT, 
	CONSTRAINT dataset_pk PRIMARY KEY (experiment_id, name, digest), 
	CONSTRAINT fk_datasets_experiment_id_experiments FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE
);
CREATE TABLE endpoint_bindings (
	endpoint_id VARCHAR(36) NOT NULL, 
	resource_type VARCHAR(50) NOT NULL, 
	resource_id VARCHAR(255) NOT NULL, 
	created_at BIGINT NOT NULL, 
	created_by VARCHAR(255), 
	last_updated_at BIGINT NOT NULL, 
	last_updated_by VARCHAR(255), display_name VARCHAR(255), 
	CONSTRAINT endpoint_bindings_pk PRIMARY KEY (endpoint_id, resource_type, resource_id), 
	CONSTRAINT fk_endpoint_bindings_endpoint_id FOREIGN KEY(endpoint_id) REFERENCES endpoints (endpoint_id) ON DELETE CASCADE
);
CREATE TABLE endpoint_model_mappings (
	mapping_id VARCHAR(36) NOT NULL, 
	endpoint_id VARCHAR(36) NOT NULL, 
	model_definition_id VARCHAR(36) NOT NULL, 
	weight FLOAT NOT NULL, 
	created_by VARCHAR(255), 
	created_at BIGINT NOT NULL, linkage_type VARCHAR(64) DEFAULT 'PRIMARY' NOT NULL, fallback_order INTEGER, 
	CONSTRAINT endpoint_model_mappings_pk PRIMARY KEY (mapping_id), 
	CONSTRAINT fk_endpoint_model_mappings_endpoint_id FOREIGN KEY(endpoint_id) REFERENCES endpoints (endpoint_id) ON DELETE CASCADE, 
	CONSTRAINT fk_endpoint_model_mappings_model_definition_id FOREIGN KEY(model_definition_id) REFERENCES model_definitions (model_definition_id)
);
CREATE TABLE endpoint_tags (
	"key" VARCHAR(250) NOT NULL, 
	value VARCHAR(5000), 
	endpoint_id VARCHAR(36) NOT NULL, 
	CONSTRAINT endpoint_tag_pk PRIMARY KEY ("key", endpoint_id), 
	CONSTRAINT fk_endpoint_tags_endpoint_id FOREIGN KEY(endpoint_id) REFERENCES endpoints (endpoint_id) ON DELETE CASCADE
);
CREATE TABLE "endpoints" (
	endpoint_id VARCHAR(36) NOT NULL, 
	name VARCHAR(255), 
	created_by VARCHAR(255), 
	created_at BIGINT NOT NULL, 
	last_updated_by VARCHAR(255), 
	last_updated_at BIGINT NOT NULL, 
	routing_strategy VARCHAR(64), 
	fallback_config_json TEXT, 
	experiment_id INTEGER, 
	usage_tracking BOOLEAN DEFAULT '0' NOT NULL, 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	CONSTRAINT endpoints_pk PRIMARY KEY (endpoint_id), 
	CONSTRAINT fk_endpoints_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE SET NULL, 
	CONSTRAINT uq_endpoints_workspace_name UNIQUE (workspace, name)
);
CREATE TABLE entity_associations (
	association_id VARCHAR(36) NOT NULL, 
	source_type VARCHAR(36) NOT NULL, 
	source_id VARCHAR(36) NOT NULL, 
	destination_type VARCHAR(36) NOT NULL, 
	destination_id VARCHAR(36) NOT NULL, 
	created_time BIGINT, 
	CONSTRAINT entity_associations_pk PRIMARY KEY (source_type, source_id, destination_type, destination_id)
);
CREATE TABLE "evaluation_dataset_records" (
	dataset_record_id VARCHAR(36) NOT NULL, 
	dataset_id VARCHAR(36) NOT NULL, 
	inputs JSON NOT NULL, 
	expectations JSON, 
	tags JSON, 
	source JSON, 
	source_id VARCHAR(36), 
	source_type VARCHAR(255), 
	created_time BIGINT, 
	last_update_time BIGINT, 
	created_by VARCHAR(255), 
	last_updated_by VARCHAR(255), 
	input_hash VARCHAR(64) NOT NULL, outputs JSON, 
	CONSTRAINT evaluation_dataset_records_pk PRIMARY KEY (dataset_record_id), 
	CONSTRAINT fk_evaluation_dataset_records_dataset_id FOREIGN KEY(dataset_id) REFERENCES evaluation_datasets (dataset_id) ON DELETE CASCADE, 
	CONSTRAINT unique_dataset_input UNIQUE (dataset_id, input_hash)
);
CREATE TABLE evaluation_dataset_tags (
	dataset_id VARCHAR(36) NOT NULL, 
	"key" VARCHAR(255) NOT NULL, 
	value VARCHAR(5000), 
	CONSTRAINT evaluation_dataset_tags_pk PRIMARY KEY (dataset_id, "key"), 
	CONSTRAINT fk_evaluation_dataset_tags_dataset_id FOREIGN KEY(dataset_id) REFERENCES evaluation_datasets (dataset_id) ON DELETE CASCADE
);
CREATE TABLE "evaluation_datasets" (
	dataset_id VARCHAR(36) NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	schema TEXT, 
	profile TEXT, 
	digest VARCHAR(64), 
	created_time BIGINT, 
	last_update_time BIGINT, 
	created_by VARCHAR(255), 
	last_updated_by VARCHAR(255), 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	CONSTRAINT evaluation_datasets_pk PRIMARY KEY (dataset_id)
);
CREATE TABLE "experiment_tags" (
	"key" VARCHAR(250) NOT NULL, 
	value TEXT, 
	experiment_id INTEGER NOT NULL, 
	CONSTRAINT experiment_tag_pk PRIMARY KEY ("key", experiment_id), 
	FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)
);
CREATE TABLE "experiments" (
	experiment_id INTEGER NOT NULL, 
	name VARCHAR(256) NOT NULL, 
	artifact_location VARCHAR(256), 
	lifecycle_stage VARCHAR(32), 
	creation_time BIGINT, 
	last_update_time BIGINT, 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	CONSTRAINT experiment_pk PRIMARY KEY (experiment_id), 
	CONSTRAINT experiments_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')), 
	CONSTRAINT uq_experiments_workspace_name UNIQUE (workspace, name)
);
INSERT INTO "experiments" VALUES(0,'Default','/work/main/mlruns/0','active',1796672965461,1796672965461,'default');
INSERT INTO "experiments" VALUES(1,'before-issue-44','file:///tmp/old44/study/artifacts','active',1796672965466,1796672965466,'default');
CREATE TABLE guardrail_configs (
	endpoint_id VARCHAR(36) NOT NULL, 
	guardrail_id VARCHAR(36) NOT NULL, 
	execution_order INTEGER, 
	created_by VARCHAR(255), 
	created_at BIGINT NOT NULL, 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	CONSTRAINT guardrail_configs_pk PRIMARY KEY (endpoint_id, guardrail_id), 
	CONSTRAINT fk_guardrail_configs_endpoint_id FOREIGN KEY(endpoint_id) REFERENCES endpoints (endpoint_id) ON DELETE CASCADE, 
	CONSTRAINT fk_guardrail_configs_guardrail_id FOREIGN KEY(guardrail_id) REFERENCES guardrails (guardrail_id) ON DELETE CASCADE
);
CREATE TABLE guardrails (
	guardrail_id VARCHAR(36) NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	scorer_id VARCHAR(36) NOT NULL, 
	scorer_version INTEGER NOT NULL, 
	stage VARCHAR(32) NOT NULL, 
	action VARCHAR(32) NOT NULL, 
	action_endpoint_id VARCHAR(36), 
	created_by VARCHAR(255), 
	created_at BIGINT NOT NULL, 
	last_updated_by VARCHAR(255), 
	last_updated_at BIGINT NOT NULL, 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	CONSTRAINT guardrails_pk PRIMARY KEY (guardrail_id), 
	CONSTRAINT fk_guardrails_scorer_version FOREIGN KEY(scorer_id, scorer_version) REFERENCES scorer_versions (scorer_id, scorer_version), 
	CONSTRAINT fk_guardrails_action_endpoint_id FOREIGN KEY(action_endpoint_id) REFERENCES endpoints (endpoint_id) ON DELETE SET NULL
);
CREATE TABLE input_tags (
	input_uuid VARCHAR(36) NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	value VARCHAR(500) NOT NULL, 
	CONSTRAINT input_tags_pk PRIMARY KEY (input_uuid, name)
);
CREATE TABLE inputs (
	input_uuid VARCHAR(36) NOT NULL, 
	source_type VARCHAR(36) NOT NULL, 
	source_id VARCHAR(36) NOT NULL, 
	destination_type VARCHAR(36) NOT NULL, 
	destination_id VARCHAR(36) NOT NULL, step BIGINT DEFAULT '0' NOT NULL, 
	CONSTRAINT inputs_pk PRIMARY KEY (source_type, source_id, destination_type, destination_id)
);
CREATE TABLE issues (
	issue_id VARCHAR(36) NOT NULL, 
	experiment_id INTEGER NOT NULL, 
	name VARCHAR(250) NOT NULL, 
	description TEXT NOT NULL, 
	status VARCHAR(50) NOT NULL, 
	severity VARCHAR(50), 
	root_causes TEXT, 
	source_run_id VARCHAR(32), 
	categories TEXT, 
	created_timestamp BIGINT NOT NULL, 
	last_updated_timestamp BIGINT NOT NULL, 
	created_by VARCHAR(255), 
	CONSTRAINT issues_pk PRIMARY KEY (issue_id), 
	CONSTRAINT fk_issues_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE, 
	CONSTRAINT fk_issues_source_run_id FOREIGN KEY(source_run_id) REFERENCES runs (run_uuid) ON DELETE SET NULL
);
CREATE TABLE job_locks (
	lock_key VARCHAR(255) NOT NULL, 
	job_id VARCHAR(36) NOT NULL, 
	acquired_at BIGINT NOT NULL, 
	CONSTRAINT job_locks_pk PRIMARY KEY (lock_key), 
	CONSTRAINT fk_job_locks_job_id FOREIGN KEY(job_id) REFERENCES jobs (id) ON DELETE CASCADE
);
CREATE TABLE "jobs" (
	id VARCHAR(36) NOT NULL, 
	creation_time BIGINT NOT NULL, 
	job_name VARCHAR(500) NOT NULL, 
	params TEXT NOT NULL, 
	timeout FLOAT, 
	status INTEGER NOT NULL, 
	result TEXT, 
	retry_count INTEGER NOT NULL, 
	last_update_time BIGINT NOT NULL, 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, status_details JSON, creator VARCHAR(255), executor_backend VARCHAR(255), lease_expires_at BIGINT, status_message TEXT, progress JSON, progress_updated_at BIGINT, token_hash VARCHAR(64), scoped_permissions JSON, next_attempt_at BIGINT, 
	CONSTRAINT jobs_pk PRIMARY KEY (id)
);
CREATE TABLE label_schemas (
	schema_id VARCHAR(36) NOT NULL, 
	experiment_id INTEGER NOT NULL, 
	name VARCHAR(250) NOT NULL, 
	type VARCHAR(16) NOT NULL, 
	instruction TEXT, 
	enable_comment BOOLEAN DEFAULT '0' NOT NULL, 
	input_type VARCHAR(32) NOT NULL, 
	input_config TEXT NOT NULL, 
	created_by VARCHAR(255), 
	created_time BIGINT NOT NULL, 
	last_update_time BIGINT NOT NULL, 
	is_default BOOLEAN DEFAULT 0 NOT NULL, 
	CONSTRAINT label_schemas_pk PRIMARY KEY (schema_id), 
	CONSTRAINT fk_label_schemas_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE, 
	CONSTRAINT uq_label_schemas_exp_name UNIQUE (experiment_id, name)
);
CREATE TABLE "latest_metrics" (
	"key" VARCHAR(250) NOT NULL, 
	value FLOAT NOT NULL, 
	timestamp BIGINT, 
	step BIGINT NOT NULL, 
	is_nan BOOLEAN NOT NULL, 
	run_uuid VARCHAR(32) NOT NULL, 
	CONSTRAINT latest_metric_pk PRIMARY KEY ("key", run_uuid), 
	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid), 
	CHECK (is_nan IN (0, 1))
);
INSERT INTO "latest_metrics" VALUES('loss_ce_x',1.76261949539184570312e+00,1796672980051,2,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('loss_total',1.76261949539184570312e+00,1796672980051,2,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('valid_acc',9.09090909090909116141e-02,1796672980051,2,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('valid_wf1',2.75896352451376371262e-02,1796672980051,2,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('test_acc',1.81159420289855072061e-01,1796672980051,2,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('test_wf1',8.70686947547897882593e-02,1796672980051,2,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('seconds',2.88474154000141425058e-01,1796672980051,2,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('best_epoch',1.0,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('valid/acc',1.03896103896103902952e-01,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('valid/wf1',0.0444195610996578,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('test/acc',1.73913043478260864738e-01,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('test/wf1',7.36724448233399553664e-02,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('seconds_per_epoch',2.82574445499449211638e-01,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('test/f1/happy',0.0,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('test/f1/sad',0.0,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('test/f1/neutral',2.87581699346405206263e-01,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('test/f1/angry',0.0,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('test/f1/excited',0.0,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('test/f1/frustrated',0.08,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('bayes/valid_acc',7.79220779220779258267e-01,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('bayes/valid_wf1',7.67985982271696565604e-01,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('bayes/test_acc',8.84057971014492793848e-01,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('bayes/test_wf1',8.81847599657780145676e-01,1796672980108,0,0,'6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "latest_metrics" VALUES('loss_ce_x',1.83289988835652661869e+00,1796672980321,2,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('loss_ce_m',5.84158007303873727522e+00,1796672980321,2,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('loss_re',3.37439664204915379386e+00,1796672980321,2,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('loss_mse',2.57610861460367823738e+00,1796672980321,2,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('loss_kl',3.4716669718424481017e-01,1796672980321,2,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('loss_total',1.13585637410481776754e+01,1796672980321,2,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('valid_acc',1.2987012987012987869e-02,1796672980321,2,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('valid_wf1',1.55844155844155861367e-02,1796672980321,2,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('test_acc',9.42028985507246396924e-02,1796672980321,2,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('test_wf1',5.07767987545540630534e-02,1796672980321,2,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('seconds',2.2168318600051861722e-01,1796672980321,2,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('best_epoch',1.0,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('valid/acc',1.2987012987012987869e-02,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('valid/wf1',1.55844155844155861367e-02,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('test/acc',8.6956521739130432369e-02,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('test/wf1',4.59558053943735292379e-02,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('seconds_per_epoch',3.19645522999962850008e-01,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('test/f1/happy',1.22137404580152666988e-01,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('test/f1/sad',1.73913043478260864738e-01,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('test/f1/neutral',1.48148148148148139924e-01,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('test/f1/angry',0.0,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('test/f1/excited',0.0,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('test/f1/frustrated',0.0,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('bayes/valid_acc',7.79220779220779258267e-01,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('bayes/valid_wf1',7.67985982271696565604e-01,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('bayes/test_acc',8.84057971014492793848e-01,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('bayes/test_wf1',8.81847599657780145676e-01,1796672980343,0,0,'e93274c509e244d7a98e2520b874a669');
INSERT INTO "latest_metrics" VALUES('loss_ce_x',1.79507350921630859375e+00,1796672981014,2,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('loss_ce_m',5.55642954508463571272e+00,1796672981014,2,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('loss_re',3.4176788330078125e+00,1796672981014,2,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('loss_mse',2.5574398040771484375e+00,1796672981014,2,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('loss_kl',4.18292164802551269531e-01,1796672981014,2,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('loss_total',1.10876693725585937497e+01,1796672981014,2,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('valid_acc',9.09090909090909116141e-02,1796672981014,2,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('valid_wf1',4.24521714844295489088e-02,1796672981014,2,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('test_acc',1.08695652173913040461e-01,1796672981014,2,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('test_wf1',4.64491976472312315116e-02,1796672981014,2,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('seconds',3.0127625000022817403e-01,1796672981014,2,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('best_epoch',2.0,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('valid/acc',9.09090909090909116141e-02,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('valid/wf1',4.24521714844295489088e-02,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('test/acc',1.08695652173913040461e-01,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('test/wf1',4.64491976472312315116e-02,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('seconds_per_epoch',3.61182141500648867804e-01,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('test/f1/happy',0.0,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('test/f1/sad',0.0,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('test/f1/neutral',2.2429906542056074481e-01,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('test/f1/angry',0.0,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('test/f1/excited',9.83606557377049162127e-02,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('test/f1/frustrated',0.0,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('bayes/valid_acc',7.79220779220779258267e-01,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('bayes/valid_wf1',7.67985982271696565604e-01,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('bayes/test_acc',8.84057971014492793848e-01,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('bayes/test_wf1',8.81847599657780145676e-01,1796672981080,0,0,'b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "latest_metrics" VALUES('loss_ce_x',1.76498830318450927734e+00,1796672981155,2,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('loss_total',1.76498830318450927734e+00,1796672981155,2,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('valid_acc',5.19480519480519514763e-02,1796672981155,2,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('valid_wf1',2.67296340023612799541e-02,1796672981155,2,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('test_acc',1.23188405797101455108e-01,1796672981155,2,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('test_wf1',1.02303132296157173186e-01,1796672981155,2,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('seconds',3.98226478000651695765e-01,1796672981155,2,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('best_epoch',2.0,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('valid/acc',5.19480519480519514763e-02,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('valid/wf1',2.67296340023612799541e-02,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('test/acc',1.23188405797101455108e-01,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('test/wf1',1.02303132296157173186e-01,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('seconds_per_epoch',3.30910618000416434369e-01,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('test/f1/happy',0.0,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('test/f1/sad',1.3223140495867768962e-01,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('test/f1/neutral',2.35294117647058820264e-01,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('test/f1/angry',0.0,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('test/f1/excited',0.0,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('test/f1/frustrated',1.58730158730158721347e-01,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('bayes/valid_acc',7.79220779220779258267e-01,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('bayes/valid_wf1',7.67985982271696565604e-01,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('bayes/test_acc',8.84057971014492793848e-01,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "latest_metrics" VALUES('bayes/test_wf1',8.81847599657780145676e-01,1796672981239,0,0,'c3c48cab90b64321bde14ca8cbc52c31');
CREATE TABLE logged_model_metrics (
	model_id VARCHAR(36) NOT NULL, 
	metric_name VARCHAR(500) NOT NULL, 
	metric_timestamp_ms BIGINT NOT NULL, 
	metric_step BIGINT NOT NULL, 
	metric_value FLOAT, 
	experiment_id INTEGER NOT NULL, 
	run_id VARCHAR(32) NOT NULL, 
	dataset_uuid VARCHAR(36), 
	dataset_name VARCHAR(500), 
	dataset_digest VARCHAR(36), 
	CONSTRAINT logged_model_metrics_pk PRIMARY KEY (model_id, metric_name, metric_timestamp_ms, metric_step, run_id), 
	CONSTRAINT fk_logged_model_metrics_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id), 
	CONSTRAINT fk_logged_model_metrics_model_id FOREIGN KEY(model_id) REFERENCES logged_models (model_id) ON DELETE CASCADE, 
	CONSTRAINT fk_logged_model_metrics_run_id FOREIGN KEY(run_id) REFERENCES runs (run_uuid) ON DELETE CASCADE
);
CREATE TABLE logged_model_params (
	model_id VARCHAR(36) NOT NULL, 
	experiment_id INTEGER NOT NULL, 
	param_key VARCHAR(255) NOT NULL, 
	param_value TEXT NOT NULL, 
	CONSTRAINT logged_model_params_pk PRIMARY KEY (model_id, param_key), 
	CONSTRAINT fk_logged_model_params_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id), 
	CONSTRAINT fk_logged_model_params_model_id FOREIGN KEY(model_id) REFERENCES logged_models (model_id) ON DELETE CASCADE
);
CREATE TABLE logged_model_tags (
	model_id VARCHAR(36) NOT NULL, 
	experiment_id INTEGER NOT NULL, 
	tag_key VARCHAR(255) NOT NULL, 
	tag_value TEXT NOT NULL, 
	CONSTRAINT logged_model_tags_pk PRIMARY KEY (model_id, tag_key), 
	CONSTRAINT fk_logged_model_tags_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id), 
	CONSTRAINT fk_logged_model_tags_model_id FOREIGN KEY(model_id) REFERENCES logged_models (model_id) ON DELETE CASCADE
);
CREATE TABLE logged_models (
	model_id VARCHAR(36) NOT NULL, 
	experiment_id INTEGER NOT NULL, 
	name VARCHAR(500) NOT NULL, 
	artifact_location VARCHAR(1000) NOT NULL, 
	creation_timestamp_ms BIGINT NOT NULL, 
	last_updated_timestamp_ms BIGINT NOT NULL, 
	status INTEGER NOT NULL, 
	lifecycle_stage VARCHAR(32), 
	model_type VARCHAR(500), 
	source_run_id VARCHAR(32), 
	status_message VARCHAR(1000), 
	CONSTRAINT logged_models_pk PRIMARY KEY (model_id), 
	CONSTRAINT logged_models_lifecycle_stage_check CHECK (lifecycle_stage IN ('active', 'deleted')), 
	CONSTRAINT fk_logged_models_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE
);
CREATE TABLE mcp_access_endpoints (
	id VARCHAR(36) NOT NULL, 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	server_name VARCHAR(256) NOT NULL, 
	server_version VARCHAR(128), 
	server_alias VARCHAR(256), 
	url VARCHAR(2048) NOT NULL, 
	transport_type VARCHAR(32) DEFAULT 'streamable-http' NOT NULL, 
	created_by VARCHAR(256), 
	last_updated_by VARCHAR(256), 
	created_at BIGINT NOT NULL, 
	last_updated_at BIGINT NOT NULL, 
	CONSTRAINT mcp_access_endpoints_pk PRIMARY KEY (id), 
	CONSTRAINT mcp_access_endpoints_server_fkey FOREIGN KEY(workspace, server_name) REFERENCES mcp_servers (workspace, name) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE mcp_server_aliases (
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	name VARCHAR(256) NOT NULL, 
	alias VARCHAR(256) NOT NULL, 
	version VARCHAR(128) NOT NULL, 
	CONSTRAINT mcp_server_aliases_pk PRIMARY KEY (workspace, name, alias), 
	CONSTRAINT mcp_server_aliases_server_fkey FOREIGN KEY(workspace, name) REFERENCES mcp_servers (workspace, name) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE mcp_server_tags (
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	name VARCHAR(256) NOT NULL, 
	"key" VARCHAR(250) NOT NULL, 
	value VARCHAR(5000), 
	CONSTRAINT mcp_server_tags_pk PRIMARY KEY (workspace, name, "key"), 
	CONSTRAINT mcp_server_tags_server_fkey FOREIGN KEY(workspace, name) REFERENCES mcp_servers (workspace, name) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE mcp_server_version_tags (
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	name VARCHAR(256) NOT NULL, 
	version VARCHAR(128) NOT NULL, 
	"key" VARCHAR(250) NOT NULL, 
	value VARCHAR(5000), 
	CONSTRAINT mcp_server_version_tags_pk PRIMARY KEY (workspace, name, version, "key"), 
	CONSTRAINT mcp_server_version_tags_version_fkey FOREIGN KEY(workspace, name, version) REFERENCES mcp_server_versions (workspace, name, version) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE mcp_server_versions (
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	name VARCHAR(256) NOT NULL, 
	version VARCHAR(128) NOT NULL, 
	version_major INTEGER NOT NULL, 
	version_minor INTEGER NOT NULL, 
	version_patch INTEGER NOT NULL, 
	version_prerelease_sort_key VARCHAR(512) NOT NULL, 
	server_json JSON NOT NULL, 
	status VARCHAR(20) DEFAULT 'draft' NOT NULL, 
	tools JSON, 
	source VARCHAR(512), 
	connect_options JSON, 
	created_by VARCHAR(256), 
	last_updated_by VARCHAR(256), 
	created_at BIGINT NOT NULL, 
	last_updated_at BIGINT NOT NULL, 
	CONSTRAINT mcp_server_versions_pk PRIMARY KEY (workspace, name, version), 
	CONSTRAINT mcp_server_versions_server_fkey FOREIGN KEY(workspace, name) REFERENCES mcp_servers (workspace, name) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE mcp_servers (
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	name VARCHAR(256) NOT NULL, 
	display_name VARCHAR(256), 
	description TEXT, 
	icons JSON, 
	created_by VARCHAR(256), 
	last_updated_by VARCHAR(256), 
	created_at BIGINT NOT NULL, 
	last_updated_at BIGINT NOT NULL, 
	CONSTRAINT mcp_servers_pk PRIMARY KEY (workspace, name)
);
CREATE TABLE "metrics" (
	"key" VARCHAR(250) NOT NULL, 
	value FLOAT NOT NULL, 
	timestamp BIGINT NOT NULL, 
	run_uuid VARCHAR(32) NOT NULL, 
	step BIGINT DEFAULT '0' NOT NULL, 
	is_nan BOOLEAN DEFAULT '0' NOT NULL, 
	CONSTRAINT metric_pk PRIMARY KEY ("key", timestamp, step, run_uuid, value, is_nan), 
	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid), 
	CHECK (is_nan IN (0, 1))
);
INSERT INTO "metrics" VALUES('loss_ce_x',1.78005063533782958984e+00,1796672979753,'6f3979437ce34bcfab8b2602d6ac6e83',1,0);
INSERT INTO "metrics" VALUES('loss_total',1.78005063533782958984e+00,1796672979753,'6f3979437ce34bcfab8b2602d6ac6e83',1,0);
INSERT INTO "metrics" VALUES('valid_acc',1.03896103896103902952e-01,1796672979753,'6f3979437ce34bcfab8b2602d6ac6e83',1,0);
INSERT INTO "metrics" VALUES('valid_wf1',0.0444195610996578,1796672979753,'6f3979437ce34bcfab8b2602d6ac6e83',1,0);
INSERT INTO "metrics" VALUES('test_acc',1.73913043478260864738e-01,1796672979753,'6f3979437ce34bcfab8b2602d6ac6e83',1,0);
INSERT INTO "metrics" VALUES('test_wf1',7.36724448233399553664e-02,1796672979753,'6f3979437ce34bcfab8b2602d6ac6e83',1,0);
INSERT INTO "metrics" VALUES('seconds',0.276674736998757,1796672979753,'6f3979437ce34bcfab8b2602d6ac6e83',1,0);
INSERT INTO "metrics" VALUES('loss_ce_x',1.76261949539184570312e+00,1796672980051,'6f3979437ce34bcfab8b2602d6ac6e83',2,0);
INSERT INTO "metrics" VALUES('loss_total',1.76261949539184570312e+00,1796672980051,'6f3979437ce34bcfab8b2602d6ac6e83',2,0);
INSERT INTO "metrics" VALUES('valid_acc',9.09090909090909116141e-02,1796672980051,'6f3979437ce34bcfab8b2602d6ac6e83',2,0);
INSERT INTO "metrics" VALUES('valid_wf1',2.75896352451376371262e-02,1796672980051,'6f3979437ce34bcfab8b2602d6ac6e83',2,0);
INSERT INTO "metrics" VALUES('test_acc',1.81159420289855072061e-01,1796672980051,'6f3979437ce34bcfab8b2602d6ac6e83',2,0);
INSERT INTO "metrics" VALUES('test_wf1',8.70686947547897882593e-02,1796672980051,'6f3979437ce34bcfab8b2602d6ac6e83',2,0);
INSERT INTO "metrics" VALUES('seconds',2.88474154000141425058e-01,1796672980051,'6f3979437ce34bcfab8b2602d6ac6e83',2,0);
INSERT INTO "metrics" VALUES('best_epoch',1.0,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('valid/acc',1.03896103896103902952e-01,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('valid/wf1',0.0444195610996578,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('test/acc',1.73913043478260864738e-01,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('test/wf1',7.36724448233399553664e-02,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('seconds_per_epoch',2.82574445499449211638e-01,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('test/f1/happy',0.0,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('test/f1/sad',0.0,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('test/f1/neutral',2.87581699346405206263e-01,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('test/f1/angry',0.0,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('test/f1/excited',0.0,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('test/f1/frustrated',0.08,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('bayes/valid_acc',7.79220779220779258267e-01,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('bayes/valid_wf1',7.67985982271696565604e-01,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('bayes/test_acc',8.84057971014492793848e-01,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('bayes/test_wf1',8.81847599657780145676e-01,1796672980108,'6f3979437ce34bcfab8b2602d6ac6e83',0,0);
INSERT INTO "metrics" VALUES('loss_ce_x',1.8286895751953125e+00,1796672980093,'e93274c509e244d7a98e2520b874a669',1,0);
INSERT INTO "metrics" VALUES('loss_ce_m',5.87489000956217477522e+00,1796672980093,'e93274c509e244d7a98e2520b874a669',1,0);
INSERT INTO "metrics" VALUES('loss_re',3.39995129903157566886e+00,1796672980093,'e93274c509e244d7a98e2520b874a669',1,0);
INSERT INTO "metrics" VALUES('loss_mse',2.58330965042114257812e+00,1796672980093,'e93274c509e244d7a98e2520b874a669',1,0);
INSERT INTO "metrics" VALUES('loss_kl',3.54721347490946470326e-01,1796672980093,'e93274c509e244d7a98e2520b874a669',1,0);
INSERT INTO "metrics" VALUES('loss_total',1.11035308837890625002e+01,1796672980093,'e93274c509e244d7a98e2520b874a669',1,0);
INSERT INTO "metrics" VALUES('valid_acc',1.2987012987012987869e-02,1796672980093,'e93274c509e244d7a98e2520b874a669',1,0);
INSERT INTO "metrics" VALUES('valid_wf1',1.55844155844155861367e-02,1796672980093,'e93274c509e244d7a98e2520b874a669',1,0);
INSERT INTO "metrics" VALUES('test_acc',8.6956521739130432369e-02,1796672980093,'e93274c509e244d7a98e2520b874a669',1,0);
INSERT INTO "metrics" VALUES('test_wf1',4.59558053943735292379e-02,1796672980093,'e93274c509e244d7a98e2520b874a669',1,0);
INSERT INTO "metrics" VALUES('seconds',4.17607859999407082796e-01,1796672980093,'e93274c509e244d7a98e2520b874a669',1,0);
INSERT INTO "metrics" VALUES('loss_ce_x',1.83289988835652661869e+00,1796672980321,'e93274c509e244d7a98e2520b874a669',2,0);
INSERT INTO "metrics" VALUES('loss_ce_m',5.84158007303873727522e+00,1796672980321,'e93274c509e244d7a98e2520b874a669',2,0);
INSERT INTO "metrics" VALUES('loss_re',3.37439664204915379386e+00,1796672980321,'e93274c509e244d7a98e2520b874a669',2,0);
INSERT INTO "metrics" VALUES('loss_mse',2.57610861460367823738e+00,1796672980321,'e93274c509e244d7a98e2520b874a669',2,0);
INSERT INTO "metrics" VALUES('loss_kl',3.4716669718424481017e-01,1796672980321,'e93274c509e244d7a98e2520b874a669',2,0);
INSERT INTO "metrics" VALUES('loss_total',1.13585637410481776754e+01,1796672980321,'e93274c509e244d7a98e2520b874a669',2,0);
INSERT INTO "metrics" VALUES('valid_acc',1.2987012987012987869e-02,1796672980321,'e93274c509e244d7a98e2520b874a669',2,0);
INSERT INTO "metrics" VALUES('valid_wf1',1.55844155844155861367e-02,1796672980321,'e93274c509e244d7a98e2520b874a669',2,0);
INSERT INTO "metrics" VALUES('test_acc',9.42028985507246396924e-02,1796672980321,'e93274c509e244d7a98e2520b874a669',2,0);
INSERT INTO "metrics" VALUES('test_wf1',5.07767987545540630534e-02,1796672980321,'e93274c509e244d7a98e2520b874a669',2,0);
INSERT INTO "metrics" VALUES('seconds',2.2168318600051861722e-01,1796672980321,'e93274c509e244d7a98e2520b874a669',2,0);
INSERT INTO "metrics" VALUES('best_epoch',1.0,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('valid/acc',1.2987012987012987869e-02,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('valid/wf1',1.55844155844155861367e-02,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('test/acc',8.6956521739130432369e-02,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('test/wf1',4.59558053943735292379e-02,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('seconds_per_epoch',3.19645522999962850008e-01,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('test/f1/happy',1.22137404580152666988e-01,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('test/f1/sad',1.73913043478260864738e-01,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('test/f1/neutral',1.48148148148148139924e-01,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('test/f1/angry',0.0,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('test/f1/excited',0.0,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('test/f1/frustrated',0.0,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('bayes/valid_acc',7.79220779220779258267e-01,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('bayes/valid_wf1',7.67985982271696565604e-01,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('bayes/test_acc',8.84057971014492793848e-01,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('bayes/test_wf1',8.81847599657780145676e-01,1796672980343,'e93274c509e244d7a98e2520b874a669',0,0);
INSERT INTO "metrics" VALUES('loss_ce_x',1.79080422719319654056e+00,1796672980706,'b6827fabb37744b6b0efc4460ea4ede8',1,0);
INSERT INTO "metrics" VALUES('loss_ce_m',5.66679636637369821272e+00,1796672980706,'b6827fabb37744b6b0efc4460ea4ede8',1,0);
INSERT INTO "metrics" VALUES('loss_re',3.44587834676106785636e+00,1796672980706,'b6827fabb37744b6b0efc4460ea4ede8',1,0);
INSERT INTO "metrics" VALUES('loss_mse',2.58305406570434570312e+00,1796672980706,'b6827fabb37744b6b0efc4460ea4ede8',1,0);
INSERT INTO "metrics" VALUES('loss_kl',0.431740403175354,1796672980706,'b6827fabb37744b6b0efc4460ea4ede8',1,0);
INSERT INTO "metrics" VALUES('loss_total',10.9034792582194,1796672980706,'b6827fabb37744b6b0efc4460ea4ede8',1,0);
INSERT INTO "metrics" VALUES('valid_acc',9.09090909090909116141e-02,1796672980706,'b6827fabb37744b6b0efc4460ea4ede8',1,0);
INSERT INTO "metrics" VALUES('valid_wf1',4.22637707120465735965e-02,1796672980706,'b6827fabb37744b6b0efc4460ea4ede8',1,0);
INSERT INTO "metrics" VALUES('test_acc',1.01449275362318847015e-01,1796672980706,'b6827fabb37744b6b0efc4460ea4ede8',1,0);
INSERT INTO "metrics" VALUES('test_wf1',4.44029025709059485538e-02,1796672980706,'b6827fabb37744b6b0efc4460ea4ede8',1,0);
INSERT INTO "metrics" VALUES('seconds',4.21088033001069561578e-01,1796672980706,'b6827fabb37744b6b0efc4460ea4ede8',1,0);
INSERT INTO "metrics" VALUES('loss_ce_x',1.79507350921630859375e+00,1796672981014,'b6827fabb37744b6b0efc4460ea4ede8',2,0);
INSERT INTO "metrics" VALUES('loss_ce_m',5.55642954508463571272e+00,1796672981014,'b6827fabb37744b6b0efc4460ea4ede8',2,0);
INSERT INTO "metrics" VALUES('loss_re',3.4176788330078125e+00,1796672981014,'b6827fabb37744b6b0efc4460ea4ede8',2,0);
INSERT INTO "metrics" VALUES('loss_mse',2.5574398040771484375e+00,1796672981014,'b6827fabb37744b6b0efc4460ea4ede8',2,0);
INSERT INTO "metrics" VALUES('loss_kl',4.18292164802551269531e-01,1796672981014,'b6827fabb37744b6b0efc4460ea4ede8',2,0);
INSERT INTO "metrics" VALUES('loss_total',1.10876693725585937497e+01,1796672981014,'b6827fabb37744b6b0efc4460ea4ede8',2,0);
INSERT INTO "metrics" VALUES('valid_acc',9.09090909090909116141e-02,1796672981014,'b6827fabb37744b6b0efc4460ea4ede8',2,0);
INSERT INTO "metrics" VALUES('valid_wf1',4.24521714844295489088e-02,1796672981014,'b6827fabb37744b6b0efc4460ea4ede8',2,0);
INSERT INTO "metrics" VALUES('test_acc',1.08695652173913040461e-01,1796672981014,'b6827fabb37744b6b0efc4460ea4ede8',2,0);
INSERT INTO "metrics" VALUES('test_wf1',4.64491976472312315116e-02,1796672981014,'b6827fabb37744b6b0efc4460ea4ede8',2,0);
INSERT INTO "metrics" VALUES('seconds',3.0127625000022817403e-01,1796672981014,'b6827fabb37744b6b0efc4460ea4ede8',2,0);
INSERT INTO "metrics" VALUES('best_epoch',2.0,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('valid/acc',9.09090909090909116141e-02,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('valid/wf1',4.24521714844295489088e-02,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('test/acc',1.08695652173913040461e-01,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('test/wf1',4.64491976472312315116e-02,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('seconds_per_epoch',3.61182141500648867804e-01,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('test/f1/happy',0.0,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('test/f1/sad',0.0,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('test/f1/neutral',2.2429906542056074481e-01,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('test/f1/angry',0.0,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('test/f1/excited',9.83606557377049162127e-02,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('test/f1/frustrated',0.0,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('bayes/valid_acc',7.79220779220779258267e-01,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('bayes/valid_wf1',7.67985982271696565604e-01,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('bayes/test_acc',8.84057971014492793848e-01,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('bayes/test_wf1',8.81847599657780145676e-01,1796672981080,'b6827fabb37744b6b0efc4460ea4ede8',0,0);
INSERT INTO "metrics" VALUES('loss_ce_x',1.78168690204620361328e+00,1796672980746,'c3c48cab90b64321bde14ca8cbc52c31',1,0);
INSERT INTO "metrics" VALUES('loss_total',1.78168690204620361328e+00,1796672980746,'c3c48cab90b64321bde14ca8cbc52c31',1,0);
INSERT INTO "metrics" VALUES('valid_acc',3.89610389610389601378e-02,1796672980746,'c3c48cab90b64321bde14ca8cbc52c31',1,0);
INSERT INTO "metrics" VALUES('valid_wf1',3.0758714969241281352e-03,1796672980746,'c3c48cab90b64321bde14ca8cbc52c31',1,0);
INSERT INTO "metrics" VALUES('test_acc',9.42028985507246396924e-02,1796672980746,'c3c48cab90b64321bde14ca8cbc52c31',1,0);
INSERT INTO "metrics" VALUES('test_wf1',6.69323411564231446346e-02,1796672980746,'c3c48cab90b64321bde14ca8cbc52c31',1,0);
INSERT INTO "metrics" VALUES('seconds',2.63594758000181172974e-01,1796672980746,'c3c48cab90b64321bde14ca8cbc52c31',1,0);
INSERT INTO "metrics" VALUES('loss_ce_x',1.76498830318450927734e+00,1796672981155,'c3c48cab90b64321bde14ca8cbc52c31',2,0);
INSERT INTO "metrics" VALUES('loss_total',1.76498830318450927734e+00,1796672981155,'c3c48cab90b64321bde14ca8cbc52c31',2,0);
INSERT INTO "metrics" VALUES('valid_acc',5.19480519480519514763e-02,1796672981155,'c3c48cab90b64321bde14ca8cbc52c31',2,0);
INSERT INTO "metrics" VALUES('valid_wf1',2.67296340023612799541e-02,1796672981155,'c3c48cab90b64321bde14ca8cbc52c31',2,0);
INSERT INTO "metrics" VALUES('test_acc',1.23188405797101455108e-01,1796672981155,'c3c48cab90b64321bde14ca8cbc52c31',2,0);
INSERT INTO "metrics" VALUES('test_wf1',1.02303132296157173186e-01,1796672981155,'c3c48cab90b64321bde14ca8cbc52c31',2,0);
INSERT INTO "metrics" VALUES('seconds',3.98226478000651695765e-01,1796672981155,'c3c48cab90b64321bde14ca8cbc52c31',2,0);
INSERT INTO "metrics" VALUES('best_epoch',2.0,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('valid/acc',5.19480519480519514763e-02,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('valid/wf1',2.67296340023612799541e-02,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('test/acc',1.23188405797101455108e-01,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('test/wf1',1.02303132296157173186e-01,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('seconds_per_epoch',3.30910618000416434369e-01,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('test/f1/happy',0.0,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('test/f1/sad',1.3223140495867768962e-01,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('test/f1/neutral',2.35294117647058820264e-01,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('test/f1/angry',0.0,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('test/f1/excited',0.0,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('test/f1/frustrated',1.58730158730158721347e-01,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('bayes/valid_acc',7.79220779220779258267e-01,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('bayes/valid_wf1',7.67985982271696565604e-01,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('bayes/test_acc',8.84057971014492793848e-01,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
INSERT INTO "metrics" VALUES('bayes/test_wf1',8.81847599657780145676e-01,1796672981239,'c3c48cab90b64321bde14ca8cbc52c31',0,0);
CREATE TABLE "model_definitions" (
	model_definition_id VARCHAR(36) NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	secret_id VARCHAR(36), 
	provider VARCHAR(64) NOT NULL, 
	model_name VARCHAR(256) NOT NULL, 
	created_by VARCHAR(255), 
	created_at BIGINT NOT NULL, 
	last_updated_by VARCHAR(255), 
	last_updated_at BIGINT NOT NULL, 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	CONSTRAINT model_definitions_pk PRIMARY KEY (model_definition_id), 
	CONSTRAINT fk_model_definitions_secret_id FOREIGN KEY(secret_id) REFERENCES secrets (secret_id) ON DELETE SET NULL, 
	CONSTRAINT uq_model_definitions_workspace_name UNIQUE (workspace, name)
);
CREATE TABLE "model_version_tags" (
	"key" VARCHAR(250) NOT NULL, 
	value TEXT, 
	name VARCHAR(256) NOT NULL, 
	version INTEGER NOT NULL, 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	CONSTRAINT model_version_tag_pk PRIMARY KEY (workspace, "key", name, version), 
	CONSTRAINT fk_model_version_tags_model_versions FOREIGN KEY(workspace, name, version) REFERENCES model_versions (workspace, name, version) ON UPDATE CASCADE
);
CREATE TABLE "model_versions" (
	name VARCHAR(256) NOT NULL, 
	version INTEGER NOT NULL, 
	creation_time BIGINT, 
	last_updated_time BIGINT, 
	description VARCHAR(5000), 
	user_id VARCHAR(256), 
	current_stage VARCHAR(20), 
	source VARCHAR(500), 
	run_id VARCHAR(32), 
	status VARCHAR(20), 
	status_message VARCHAR(500), 
	run_link VARCHAR(500), 
	storage_location VARCHAR(500), 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	CONSTRAINT model_version_pk PRIMARY KEY (workspace, name, version), 
	CONSTRAINT fk_model_versions_registered_models FOREIGN KEY(workspace, name) REFERENCES registered_models (workspace, name) ON UPDATE CASCADE
);
CREATE TABLE online_scoring_configs (
	online_scoring_config_id VARCHAR(36) NOT NULL, 
	scorer_id VARCHAR(36) NOT NULL, 
	sample_rate FLOAT NOT NULL, 
	experiment_id INTEGER NOT NULL, 
	filter_string TEXT, 
	CONSTRAINT online_scoring_config_pk PRIMARY KEY (online_scoring_config_id), 
	CONSTRAINT fk_online_scoring_configs_scorer_id FOREIGN KEY(scorer_id) REFERENCES scorers (scorer_id) ON DELETE CASCADE, 
	CONSTRAINT fk_online_scoring_configs_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)
);
CREATE TABLE "params" (
	"key" VARCHAR(250) NOT NULL, 
	value VARCHAR(8000) NOT NULL, 
	run_uuid VARCHAR(32) NOT NULL, 
	CONSTRAINT param_pk PRIMARY KEY ("key", run_uuid), 
	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)
);
INSERT INTO "params" VALUES('dataset','iemocap','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('lr','0.0003','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('batch_size','4','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('gamma1','1.0','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('gamma2','1.5','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('dim','16','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('model','cmath','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('variant','full','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('modalities','tav','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('seed','0','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('epochs','2','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('patience','15','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('val_fraction','0.2','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('split_seed','0','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('split','fixed','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('official_valid','False','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('features','','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('device','auto','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('keep_embeddings','False','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('allow_constant','False','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('recipe','cmathlab','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('standardize','True','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('warmup_steps','30','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('distill_warmup','10','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('ema_epochs','2.0','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('schedule','constant','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('context','attention','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('context_reads','all','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('positions','False','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('attention_bias','alibi','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('heads','2','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('dropout','0.5','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('ffn_mult','2','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('kernel_t','1','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('kernel_a','1','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('kernel_v','1','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('norm','post','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('cma_layers','1','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('speaker_init','zero','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('gate','softmax','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('sigma','softplus','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('sigma_init','0.1','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('sample_at_eval','False','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('detach_teacher','False','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('modality_ce','True','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('reduction','element','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('weight_decay','0.0','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('grad_clip','1.0','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('min_epochs','0','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('bucket','0','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('precision','fp32','e93274c509e244d7a98e2520b874a669');
INSERT INTO "params" VALUES('dataset','iemocap','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('lr','0.0003','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('batch_size','32','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('gamma1','1.0','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('gamma2','1.5','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dim','16','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('model','dialoguegcn','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('variant','full','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('modalities','tav','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('seed','0','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('epochs','2','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('patience','15','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('val_fraction','0.2','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('split_seed','0','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('split','fixed','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('official_valid','False','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('features','','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('device','auto','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('keep_embeddings','False','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('allow_constant','False','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('recipe','cmathlab','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('standardize','True','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('warmup_steps','0','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('distill_warmup','10','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('ema_epochs','0.0','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('schedule','constant','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('context','attention','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('context_reads','all','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('positions','False','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('attention_bias','alibi','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('heads','2','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dropout','0.4','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('ffn_mult','2','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('kernel_t','1','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('kernel_a','1','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('kernel_v','1','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('norm','post','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('cma_layers','1','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('speaker_init','zero','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('gate','softmax','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('sigma','softplus','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('sigma_init','0.1','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('sample_at_eval','False','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('detach_teacher','False','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('modality_ce','True','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('reduction','element','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('weight_decay','0.0','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('grad_clip','0.0','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('min_epochs','0','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('bucket','0','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('precision','fp32','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.activation','relu','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.as_released','False','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.class_weight','none','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.edge_attention','paper','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.encoder','gru','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.encoder_layers','1','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.graph_hidden','100','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.hidden','100','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.max_seq_len','110','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.nodal_attention','paper','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.normalise','relation','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.num_bases','30','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.root_init','torch','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.self_loop','paper','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.window_future','10','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dialoguegcn.window_past','4','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "params" VALUES('dataset','iemocap','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('lr','0.0003','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('batch_size','4','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('gamma1','1.0','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('gamma2','1.5','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('dim','16','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('model','cmath','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('variant','full','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('modalities','tav','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('seed','1','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('epochs','2','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('patience','15','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('val_fraction','0.2','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('split_seed','0','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('split','fixed','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('official_valid','False','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('features','','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('device','auto','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('keep_embeddings','False','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('allow_constant','False','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('recipe','cmathlab','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('standardize','True','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('warmup_steps','30','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('distill_warmup','10','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('ema_epochs','2.0','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('schedule','constant','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('context','attention','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('context_reads','all','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('positions','False','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('attention_bias','alibi','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('heads','2','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('dropout','0.5','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('ffn_mult','2','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('kernel_t','1','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('kernel_a','1','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('kernel_v','1','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('norm','post','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('cma_layers','1','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('speaker_init','zero','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('gate','softmax','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('sigma','softplus','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('sigma_init','0.1','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('sample_at_eval','False','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('detach_teacher','False','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('modality_ce','True','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('reduction','element','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('weight_decay','0.0','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('grad_clip','1.0','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('min_epochs','0','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('bucket','0','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('precision','fp32','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "params" VALUES('dataset','iemocap','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('lr','0.0003','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('batch_size','32','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('gamma1','1.0','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('gamma2','1.5','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dim','16','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('model','dialoguegcn','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('variant','full','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('modalities','tav','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('seed','1','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('epochs','2','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('patience','15','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('val_fraction','0.2','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('split_seed','0','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('split','fixed','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('official_valid','False','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('features','','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('device','auto','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('keep_embeddings','False','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('allow_constant','False','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('recipe','cmathlab','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('standardize','True','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('warmup_steps','0','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('distill_warmup','10','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('ema_epochs','0.0','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('schedule','constant','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('context','attention','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('context_reads','all','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('positions','False','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('attention_bias','alibi','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('heads','2','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dropout','0.4','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('ffn_mult','2','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('kernel_t','1','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('kernel_a','1','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('kernel_v','1','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('norm','post','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('cma_layers','1','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('speaker_init','zero','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('gate','softmax','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('sigma','softplus','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('sigma_init','0.1','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('sample_at_eval','False','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('detach_teacher','False','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('modality_ce','True','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('reduction','element','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('weight_decay','0.0','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('grad_clip','0.0','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('min_epochs','0','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('bucket','0','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('precision','fp32','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.activation','relu','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.as_released','False','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.class_weight','none','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.edge_attention','paper','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.encoder','gru','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.encoder_layers','1','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.graph_hidden','100','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.hidden','100','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.max_seq_len','110','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.nodal_attention','paper','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.normalise','relation','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.num_bases','30','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.root_init','torch','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.self_loop','paper','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.window_future','10','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "params" VALUES('dialoguegcn.window_past','4','c3c48cab90b64321bde14ca8cbc52c31');
CREATE TABLE "registered_model_aliases" (
	alias VARCHAR(256) NOT NULL, 
	version INTEGER NOT NULL, 
	name VARCHAR(256) NOT NULL, 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	CONSTRAINT registered_model_alias_pk PRIMARY KEY (workspace, name, alias), 
	CONSTRAINT fk_registered_model_aliases_registered_models FOREIGN KEY(workspace, name) REFERENCES registered_models (workspace, name) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE "registered_model_tags" (
	"key" VARCHAR(250) NOT NULL, 
	value VARCHAR(5000), 
	name VARCHAR(256) NOT NULL, 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	CONSTRAINT registered_model_tag_pk PRIMARY KEY (workspace, "key", name), 
	CONSTRAINT fk_registered_model_tags_registered_models FOREIGN KEY(workspace, name) REFERENCES registered_models (workspace, name) ON UPDATE CASCADE
);
CREATE TABLE "registered_models" (
	name VARCHAR(256) NOT NULL, 
	creation_time BIGINT, 
	last_updated_time BIGINT, 
	description VARCHAR(5000), 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	CONSTRAINT registered_model_pk PRIMARY KEY (workspace, name)
);
CREATE TABLE review_queue_items (
	queue_id VARCHAR(36) NOT NULL, 
	item_type VARCHAR(16) NOT NULL, 
	item_id VARCHAR(50) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	completed_by VARCHAR(250), 
	completed_time_ms BIGINT, 
	creation_time_ms BIGINT NOT NULL, 
	last_update_time_ms BIGINT NOT NULL, 
	CONSTRAINT review_queue_items_pk PRIMARY KEY (queue_id, item_id), 
	CONSTRAINT fk_review_queue_items_queue_id FOREIGN KEY(queue_id) REFERENCES review_queues (queue_id) ON DELETE CASCADE
);
CREATE TABLE review_queue_label_schemas (
	queue_id VARCHAR(36) NOT NULL, 
	schema_id VARCHAR(36) NOT NULL, 
	CONSTRAINT review_queue_label_schemas_pk PRIMARY KEY (queue_id, schema_id), 
	CONSTRAINT fk_review_queue_label_schemas_queue_id FOREIGN KEY(queue_id) REFERENCES review_queues (queue_id) ON DELETE CASCADE
);
CREATE TABLE review_queue_users (
	queue_id VARCHAR(36) NOT NULL, 
	user_id VARCHAR(250) NOT NULL, 
	CONSTRAINT review_queue_users_pk PRIMARY KEY (queue_id, user_id), 
	CONSTRAINT fk_review_queue_users_queue_id FOREIGN KEY(queue_id) REFERENCES review_queues (queue_id) ON DELETE CASCADE
);
CREATE TABLE review_queues (
	queue_id VARCHAR(36) NOT NULL, 
	experiment_id INTEGER NOT NULL, 
	name VARCHAR(250) NOT NULL, 
	queue_type VARCHAR(16) NOT NULL, 
	created_by VARCHAR(255), 
	creation_time_ms BIGINT NOT NULL, 
	last_update_time_ms BIGINT NOT NULL, 
	name_key VARCHAR(250) NOT NULL, 
	CONSTRAINT review_queues_pk PRIMARY KEY (queue_id), 
	CONSTRAINT fk_review_queues_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE, 
	CONSTRAINT uq_review_queues_experiment_name_key UNIQUE (experiment_id, name_key)
);
CREATE TABLE "runs" (
	run_uuid VARCHAR(32) NOT NULL, 
	name VARCHAR(250), 
	source_type VARCHAR(20), 
	source_name VARCHAR(500), 
	entry_point_name VARCHAR(50), 
	user_id VARCHAR(256), 
	status VARCHAR(9), 
	start_time BIGINT, 
	end_time BIGINT, 
	source_version VARCHAR(50), 
	lifecycle_stage VARCHAR(20), 
	artifact_uri VARCHAR(200), 
	experiment_id INTEGER, deleted_time BIGINT, 
	CONSTRAINT run_pk PRIMARY KEY (run_uuid), 
	CONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')), 
	CONSTRAINT source_type CHECK (source_type IN ('NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', 'PROJECT')), 
	FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id), 
	CHECK (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED'))
);
INSERT INTO "runs" VALUES('2323fa533fc545a4a35c030546ca8085','study before-issue-44','UNKNOWN','','','unknown','FINISHED',1796672965485,1796672982637,'','active','file:///tmp/old44/study/artifacts/2323fa533fc545a4a35c030546ca8085/artifacts',1,NULL);
INSERT INTO "runs" VALUES('e93274c509e244d7a98e2520b874a669','before-issue-44/iemocap/seed=0/model=cmath','UNKNOWN','','','unknown','FINISHED',1796672973285,1796672980368,'','active','file:///tmp/old44/study/artifacts/e93274c509e244d7a98e2520b874a669/artifacts',1,NULL);
INSERT INTO "runs" VALUES('6f3979437ce34bcfab8b2602d6ac6e83','before-issue-44/iemocap/seed=0/model=dialoguegcn','UNKNOWN','','','unknown','FINISHED',1796672973478,1796672980149,'','active','file:///tmp/old44/study/artifacts/6f3979437ce34bcfab8b2602d6ac6e83/artifacts',1,NULL);
INSERT INTO "runs" VALUES('b6827fabb37744b6b0efc4460ea4ede8','before-issue-44/iemocap/seed=1/model=cmath','UNKNOWN','','','unknown','FINISHED',1796672980167,1796672981120,'','active','file:///tmp/old44/study/artifacts/b6827fabb37744b6b0efc4460ea4ede8/artifacts',1,NULL);
INSERT INTO "runs" VALUES('c3c48cab90b64321bde14ca8cbc52c31','before-issue-44/iemocap/seed=1/model=dialoguegcn','UNKNOWN','','','unknown','FINISHED',1796672980382,1796672981263,'','active','file:///tmp/old44/study/artifacts/c3c48cab90b64321bde14ca8cbc52c31/artifacts',1,NULL);
CREATE TABLE scheduler_leases (
	lease_key VARCHAR(255) NOT NULL, 
	acquired_at BIGINT NOT NULL, 
	ttl_seconds INTEGER NOT NULL, 
	CONSTRAINT scheduler_leases_pk PRIMARY KEY (lease_key)
);
CREATE TABLE scorer_versions (
	scorer_id VARCHAR(36) NOT NULL, 
	scorer_version INTEGER NOT NULL, 
	serialized_scorer TEXT NOT NULL, 
	creation_time BIGINT, 
	CONSTRAINT scorer_version_pk PRIMARY KEY (scorer_id, scorer_version), 
	CONSTRAINT fk_scorer_versions_scorer_id FOREIGN KEY(scorer_id) REFERENCES scorers (scorer_id) ON DELETE CASCADE
);
CREATE TABLE scorers (
	experiment_id INTEGER NOT NULL, 
	scorer_name VARCHAR(256) NOT NULL, 
	scorer_id VARCHAR(36) NOT NULL, 
	CONSTRAINT scorer_pk PRIMARY KEY (scorer_id), 
	CONSTRAINT fk_scorers_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE
);
CREATE TABLE "secrets" (
	secret_id VARCHAR(36) NOT NULL, 
	secret_name VARCHAR(255) NOT NULL, 
	encrypted_value BLOB NOT NULL, 
	wrapped_dek BLOB NOT NULL, 
	kek_version INTEGER NOT NULL, 
	masked_value VARCHAR(500) NOT NULL, 
	provider VARCHAR(64), 
	auth_config TEXT, 
	description TEXT, 
	created_by VARCHAR(255), 
	created_at BIGINT NOT NULL, 
	last_updated_by VARCHAR(255), 
	last_updated_at BIGINT NOT NULL, 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	CONSTRAINT secrets_pk PRIMARY KEY (secret_id), 
	CONSTRAINT uq_secrets_workspace_secret_name UNIQUE (workspace, secret_name)
);
CREATE TABLE span_metrics (
	trace_id VARCHAR(50) NOT NULL, 
	span_id VARCHAR(50) NOT NULL, 
	"key" VARCHAR(250) NOT NULL, 
	value FLOAT, 
	CONSTRAINT span_metrics_pk PRIMARY KEY (trace_id, span_id, "key"), 
	CONSTRAINT fk_span_metrics_span FOREIGN KEY(trace_id, span_id) REFERENCES spans (trace_id, span_id) ON DELETE CASCADE
);
CREATE TABLE "spans" (
	trace_id VARCHAR(50) NOT NULL, 
	experiment_id INTEGER NOT NULL, 
	span_id VARCHAR(50) NOT NULL, 
	parent_span_id VARCHAR(50), 
	name TEXT, 
	type VARCHAR(500), 
	status VARCHAR(50) NOT NULL, 
	start_time_unix_nano BIGINT NOT NULL, 
	end_time_unix_nano BIGINT, 
	duration_ns BIGINT GENERATED ALWAYS AS (end_time_unix_nano - start_time_unix_nano) STORED, 
	content TEXT NOT NULL, 
	input_cost FLOAT, 
	output_cost FLOAT, 
	total_cost FLOAT, 
	model_name VARCHAR(500), 
	model_provider VARCHAR(500), 
	CONSTRAINT spans_pk PRIMARY KEY (trace_id, span_id), 
	CONSTRAINT fk_spans_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id), 
	CONSTRAINT fk_spans_trace_id FOREIGN KEY(trace_id) REFERENCES trace_info (request_id) ON DELETE CASCADE
);
CREATE TABLE sql_assessment_daily_rollups (
	id INTEGER NOT NULL, 
	experiment_id INTEGER NOT NULL, 
	rollup_day DATE NOT NULL, 
	metric_name VARCHAR(250) NOT NULL, 
	grouping_set VARCHAR(50) NOT NULL, 
	sample_count BIGINT NOT NULL, 
	sum_value FLOAT, 
	min_value FLOAT, 
	max_value FLOAT, 
	CONSTRAINT sql_assessment_daily_rollups_pk PRIMARY KEY (id)
);
CREATE TABLE sql_span_cost_daily_rollups (
	id INTEGER NOT NULL, 
	experiment_id INTEGER NOT NULL, 
	rollup_day DATE NOT NULL, 
	metric_name VARCHAR(250) NOT NULL, 
	grouping_set VARCHAR(50) NOT NULL, 
	model_name VARCHAR(500), 
	model_provider VARCHAR(500), 
	sample_count BIGINT NOT NULL, 
	sum_value FLOAT, 
	min_value FLOAT, 
	max_value FLOAT, 
	CONSTRAINT sql_span_cost_daily_rollups_pk PRIMARY KEY (id)
);
CREATE TABLE sql_trace_metric_daily_rollups (
	id INTEGER NOT NULL, 
	experiment_id INTEGER NOT NULL, 
	rollup_day DATE NOT NULL, 
	metric_name VARCHAR(250) NOT NULL, 
	grouping_set VARCHAR(50) NOT NULL, 
	trace_status VARCHAR(50), 
	sample_count BIGINT NOT NULL, 
	sum_value FLOAT, 
	min_value FLOAT, 
	max_value FLOAT, 
	p50_value FLOAT, 
	p90_value FLOAT, 
	p99_value FLOAT, 
	CONSTRAINT sql_trace_metric_daily_rollups_pk PRIMARY KEY (id)
);
CREATE TABLE sql_trace_rollup_rebuild_queue (
	experiment_id INTEGER NOT NULL, 
	rollup_day DATE NOT NULL, 
	rollup_family VARCHAR(50) NOT NULL, 
	CONSTRAINT sql_trace_rollup_rebuild_queue_pk PRIMARY KEY (experiment_id, rollup_day, rollup_family)
);
CREATE TABLE "tags" (
	"key" VARCHAR(250) NOT NULL, 
	value VARCHAR(8000), 
	run_uuid VARCHAR(32) NOT NULL, 
	CONSTRAINT tag_pk PRIMARY KEY ("key", run_uuid), 
	FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)
);
INSERT INTO "tags" VALUES('cmathlab.kind','study','2323fa533fc545a4a35c030546ca8085');
INSERT INTO "tags" VALUES('cmathlab.study','before-issue-44','2323fa533fc545a4a35c030546ca8085');
INSERT INTO "tags" VALUES('cmathlab.git_commit','73266d71392e2873f4bd3ba19a9fc3c8019730db','2323fa533fc545a4a35c030546ca8085');
INSERT INTO "tags" VALUES('cmathlab.directory','/tmp/old44/study','2323fa533fc545a4a35c030546ca8085');
INSERT INTO "tags" VALUES('cmathlab.trials','4','2323fa533fc545a4a35c030546ca8085');
INSERT INTO "tags" VALUES('mlflow.runName','study before-issue-44','2323fa533fc545a4a35c030546ca8085');
INSERT INTO "tags" VALUES('cmathlab.study','before-issue-44','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('cmathlab.study_run','2323fa533fc545a4a35c030546ca8085','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('cmathlab.git_commit','73266d71392e2873f4bd3ba19a9fc3c8019730db','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('mlflow.parentRunId','2323fa533fc545a4a35c030546ca8085','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('cmathlab.trial_key','before-issue-44/iemocap/seed=0/model=cmath','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('cmathlab.trial_id','5017a_00000','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('cmathlab.part','before-issue-44','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('cmathlab.unit','before-issue-44','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('cmathlab.attempts','1','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('dataset','iemocap','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('model','cmath','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('variant','full','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('modalities','tav','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('seed','0','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('mlflow.runName','before-issue-44/iemocap/seed=0/model=cmath','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('cmathlab.study','before-issue-44','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('cmathlab.study_run','2323fa533fc545a4a35c030546ca8085','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('cmathlab.git_commit','73266d71392e2873f4bd3ba19a9fc3c8019730db','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('mlflow.parentRunId','2323fa533fc545a4a35c030546ca8085','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('cmathlab.trial_key','before-issue-44/iemocap/seed=0/model=dialoguegcn','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('cmathlab.trial_id','5017a_00001','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('cmathlab.part','before-issue-44','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('cmathlab.unit','before-issue-44','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('cmathlab.attempts','1','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('dataset','iemocap','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('model','dialoguegcn','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('variant','full','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('modalities','tav','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('seed','0','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('mlflow.runName','before-issue-44/iemocap/seed=0/model=dialoguegcn','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('cmathlab.node','c91c684c02654d10153dd5d9f20591b559419702541e3ddec689b8b1','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('cmathlab.node','c91c684c02654d10153dd5d9f20591b559419702541e3ddec689b8b1','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('data_sha256','synthetic:iemocap/8:scale=0.1:seed=0','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('data_source','synthetic:iemocap/8','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('cmathlab.label_names','["happy", "sad", "neutral", "angry", "excited", "frustrated"]','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('device','cpu','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('cmathlab.health','ok','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('cmathlab.threads','1','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('cmathlab.health_note','','6f3979437ce34bcfab8b2602d6ac6e83');
INSERT INTO "tags" VALUES('cmathlab.study','before-issue-44','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('cmathlab.study_run','2323fa533fc545a4a35c030546ca8085','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('cmathlab.git_commit','73266d71392e2873f4bd3ba19a9fc3c8019730db','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('mlflow.parentRunId','2323fa533fc545a4a35c030546ca8085','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('cmathlab.trial_key','before-issue-44/iemocap/seed=1/model=cmath','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('cmathlab.trial_id','5017a_00002','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('cmathlab.part','before-issue-44','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('cmathlab.unit','before-issue-44','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('cmathlab.attempts','1','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('dataset','iemocap','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('model','cmath','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('variant','full','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('modalities','tav','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('seed','1','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('mlflow.runName','before-issue-44/iemocap/seed=1/model=cmath','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('data_sha256','synthetic:iemocap/8:scale=0.1:seed=0','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('data_source','synthetic:iemocap/8','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('cmathlab.label_names','["happy", "sad", "neutral", "angry", "excited", "frustrated"]','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('device','cpu','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('cmathlab.health','ok','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('cmathlab.threads','1','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('cmathlab.health_note','','e93274c509e244d7a98e2520b874a669');
INSERT INTO "tags" VALUES('cmathlab.study','before-issue-44','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('cmathlab.study_run','2323fa533fc545a4a35c030546ca8085','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('cmathlab.git_commit','73266d71392e2873f4bd3ba19a9fc3c8019730db','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('mlflow.parentRunId','2323fa533fc545a4a35c030546ca8085','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('cmathlab.trial_key','before-issue-44/iemocap/seed=1/model=dialoguegcn','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('cmathlab.trial_id','5017a_00003','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('cmathlab.part','before-issue-44','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('cmathlab.unit','before-issue-44','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('cmathlab.attempts','1','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('dataset','iemocap','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('model','dialoguegcn','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('variant','full','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('modalities','tav','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('seed','1','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('mlflow.runName','before-issue-44/iemocap/seed=1/model=dialoguegcn','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('cmathlab.node','c91c684c02654d10153dd5d9f20591b559419702541e3ddec689b8b1','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('cmathlab.node','c91c684c02654d10153dd5d9f20591b559419702541e3ddec689b8b1','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('data_sha256','synthetic:iemocap/8:scale=0.1:seed=0','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('data_source','synthetic:iemocap/8','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('cmathlab.label_names','["happy", "sad", "neutral", "angry", "excited", "frustrated"]','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('device','cpu','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('cmathlab.health','ok','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('cmathlab.threads','1','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('cmathlab.health_note','','b6827fabb37744b6b0efc4460ea4ede8');
INSERT INTO "tags" VALUES('data_sha256','synthetic:iemocap/8:scale=0.1:seed=0','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('data_source','synthetic:iemocap/8','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('cmathlab.label_names','["happy", "sad", "neutral", "angry", "excited", "frustrated"]','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('device','cpu','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('cmathlab.health','ok','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('cmathlab.threads','1','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('cmathlab.health_note','','c3c48cab90b64321bde14ca8cbc52c31');
INSERT INTO "tags" VALUES('cmathlab.trials_failed','0','2323fa533fc545a4a35c030546ca8085');
CREATE TABLE "trace_info" (
	request_id VARCHAR(50) NOT NULL, 
	experiment_id INTEGER NOT NULL, 
	timestamp_ms BIGINT NOT NULL, 
	execution_time_ms BIGINT, 
	status VARCHAR(50) NOT NULL, 
	client_request_id VARCHAR(50), 
	request_preview VARCHAR(1000), 
	response_preview VARCHAR(1000), 
	db_payload_generation INTEGER DEFAULT '0' NOT NULL, trace_name VARCHAR(4096), session_id VARCHAR(250), input_tokens BIGINT, output_tokens BIGINT, total_tokens BIGINT, cache_read_input_tokens BIGINT, cache_creation_input_tokens BIGINT, cache_creation_input_tokens_above_1hr BIGINT, input_cost FLOAT, output_cost FLOAT, total_cost FLOAT, 
	CONSTRAINT trace_info_pk PRIMARY KEY (request_id), 
	CONSTRAINT fk_trace_info_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE CASCADE
);
CREATE TABLE trace_metrics (
	request_id VARCHAR(50) NOT NULL, 
	"key" VARCHAR(250) NOT NULL, 
	value FLOAT, 
	CONSTRAINT trace_metrics_pk PRIMARY KEY (request_id, "key"), 
	CONSTRAINT fk_trace_metrics_request_id FOREIGN KEY(request_id) REFERENCES trace_info (request_id) ON DELETE CASCADE
);
CREATE TABLE "trace_request_metadata" (
	"key" VARCHAR(250) NOT NULL, 
	value VARCHAR(8000), 
	request_id VARCHAR(50) NOT NULL, 
	CONSTRAINT trace_request_metadata_pk PRIMARY KEY ("key", request_id), 
	CONSTRAINT fk_trace_request_metadata_request_id FOREIGN KEY(request_id) REFERENCES trace_info (request_id) ON DELETE CASCADE
);
CREATE TABLE "trace_tags" (
	"key" VARCHAR(250) NOT NULL, 
	value VARCHAR(8000), 
	request_id VARCHAR(50) NOT NULL, 
	CONSTRAINT trace_tag_pk PRIMARY KEY ("key", request_id), 
	CONSTRAINT fk_trace_tags_request_id FOREIGN KEY(request_id) REFERENCES trace_info (request_id) ON DELETE CASCADE
);
CREATE TABLE webhook_events (
	webhook_id VARCHAR(256) NOT NULL, 
	entity VARCHAR(50) NOT NULL, 
	action VARCHAR(50) NOT NULL, 
	CONSTRAINT webhook_event_pk PRIMARY KEY (webhook_id, entity, action), 
	FOREIGN KEY(webhook_id) REFERENCES webhooks (webhook_id) ON DELETE cascade
);
CREATE TABLE "webhooks" (
	webhook_id VARCHAR(256) NOT NULL, 
	name VARCHAR(256) NOT NULL, 
	description VARCHAR(1000), 
	url VARCHAR(500) NOT NULL, 
	status VARCHAR(20) DEFAULT 'ACTIVE' NOT NULL, 
	secret VARCHAR(1000), 
	creation_timestamp BIGINT, 
	last_updated_timestamp BIGINT, 
	deleted_timestamp BIGINT, 
	workspace VARCHAR(63) DEFAULT 'default' NOT NULL, 
	CONSTRAINT webhook_pk PRIMARY KEY (webhook_id)
);
CREATE TABLE workspaces (
	name VARCHAR(63) NOT NULL, 
	description TEXT, 
	default_artifact_root TEXT, trace_archival_location TEXT, trace_archival_retention VARCHAR(32), 
	CONSTRAINT workspaces_pk PRIMARY KEY (name)
);
INSERT INTO "workspaces" VALUES('default','Default workspace for legacy resources',NULL,NULL,NULL);
CREATE INDEX index_metrics_run_uuid ON metrics (run_uuid);
CREATE INDEX index_latest_metrics_run_uuid ON latest_metrics (run_uuid);
CREATE INDEX index_inputs_destination_type_destination_id_source_type ON inputs (destination_type, destination_id, source_type);
CREATE INDEX index_inputs_input_uuid ON inputs (input_uuid);
CREATE INDEX index_params_run_uuid ON params (run_uuid);
CREATE INDEX index_trace_tags_request_id ON trace_tags (request_id);
CREATE INDEX index_trace_request_metadata_request_id ON trace_request_metadata (request_id);
CREATE INDEX index_tags_run_uuid ON tags (run_uuid);
CREATE INDEX index_datasets_experiment_id_dataset_source_type ON datasets (experiment_id, dataset_source_type);
CREATE INDEX index_datasets_dataset_uuid ON datasets (dataset_uuid);
CREATE INDEX index_logged_model_metrics_model_id ON logged_model_metrics (model_id);
CREATE INDEX index_entity_associations_association_id ON entity_associations (association_id);
CREATE INDEX index_entity_associations_reverse_lookup ON entity_associations (destination_type, destination_id, source_type, source_id);
CREATE INDEX idx_webhook_events_entity ON webhook_events (entity);
CREATE INDEX idx_webhook_events_action ON webhook_events (action);
CREATE INDEX idx_webhook_events_entity_action ON webhook_events (entity, action);
CREATE UNIQUE INDEX index_scorers_experiment_id_scorer_name ON scorers (experiment_id, scorer_name);
CREATE INDEX index_scorer_versions_scorer_id ON scorer_versions (scorer_id);
CREATE INDEX index_evaluation_dataset_tags_dataset_id ON evaluation_dataset_tags (dataset_id);
CREATE INDEX index_evaluation_dataset_records_dataset_id ON evaluation_dataset_records (dataset_id);
CREATE INDEX index_endpoint_model_mappings_endpoint_id ON endpoint_model_mappings (endpoint_id);
CREATE INDEX index_endpoint_model_mappings_model_definition_id ON endpoint_model_mappings (model_definition_id);
CREATE INDEX index_endpoint_tags_endpoint_id ON endpoint_tags (endpoint_id);
CREATE INDEX index_trace_metrics_request_id ON trace_metrics (request_id);
CREATE UNIQUE INDEX unique_endpoint_model_linkage_mapping ON endpoint_model_mappings (endpoint_id, model_definition_id, linkage_type);
CREATE INDEX index_span_metrics_trace_id_span_id ON span_metrics (trace_id, span_id);
CREATE INDEX index_evaluation_datasets_name ON evaluation_datasets (name);
CREATE INDEX index_evaluation_datasets_created_time ON evaluation_datasets (created_time);
CREATE INDEX idx_webhooks_status ON webhooks (status);
CREATE INDEX idx_webhooks_name ON webhooks (name);
CREATE TRIGGER prevent_secrets_aad_mutation
BEFORE UPDATE ON secrets
FOR EACH ROW
WHEN OLD.secret_id != NEW.secret_id OR OLD.secret_name != NEW.secret_name
BEGIN
    SELECT RAISE(ABORT, 'secret_id and secret_name are immutable (used as AAD in encryption)');
END;
CREATE INDEX index_model_definitions_secret_id ON model_definitions (secret_id);
CREATE INDEX index_model_definitions_provider ON model_definitions (provider);
CREATE INDEX index_jobs_name_status_creation_time ON jobs (job_name, workspace, status, creation_time);
CREATE INDEX idx_experiments_workspace ON experiments (workspace);
CREATE INDEX idx_registered_models_workspace ON registered_models (workspace);
CREATE INDEX idx_experiments_workspace_creation_time ON experiments (workspace, creation_time);
CREATE INDEX idx_evaluation_datasets_workspace ON evaluation_datasets (workspace);
CREATE INDEX idx_webhooks_workspace ON webhooks (workspace);
CREATE INDEX idx_secrets_workspace ON secrets (workspace);
CREATE INDEX idx_endpoints_workspace ON endpoints (workspace);
CREATE INDEX idx_model_definitions_workspace ON model_definitions (workspace);
CREATE INDEX idx_budget_policies_workspace ON budget_policies (workspace);
CREATE INDEX index_issues_experiment_id ON issues (experiment_id);
CREATE INDEX index_issues_source_run_id ON issues (source_run_id);
CREATE INDEX index_issues_status ON issues (status);
CREATE INDEX index_metrics_run_uuid_key_step ON metrics (run_uuid, "key", step);
CREATE INDEX idx_guardrails_workspace ON guardrails (workspace);
CREATE INDEX idx_guardrails_scorer ON guardrails (scorer_id, scorer_version);
CREATE INDEX idx_guardrail_configs_endpoint_id ON guardrail_configs (endpoint_id);
CREATE INDEX idx_guardrail_configs_guardrail_id ON guardrail_configs (guardrail_id);
CREATE INDEX idx_model_version_tags_workspace_name_version ON model_version_tags (workspace, name, version);
CREATE INDEX idx_registered_model_tags_workspace_name ON registered_model_tags (workspace, name);
CREATE INDEX index_label_schemas_experiment_id ON label_schemas (experiment_id);
CREATE INDEX index_review_queues_experiment_id ON review_queues (experiment_id);
CREATE INDEX index_review_queue_users_user_id ON review_queue_users (user_id);
CREATE INDEX index_review_queue_items_queue_id_status ON review_queue_items (queue_id, status);
CREATE INDEX index_review_queue_items_item_id ON review_queue_items (item_id);
CREATE INDEX index_review_queue_label_schemas_schema_id ON review_queue_label_schemas (schema_id);
CREATE INDEX idx_mcp_server_versions_latest ON mcp_server_versions (workspace, name, status, version_major DESC, version_minor DESC, version_patch DESC);
CREATE INDEX ix_mcp_access_endpoints_server_name ON mcp_access_endpoints (workspace, server_name);
CREATE INDEX ix_mcp_access_endpoints_version ON mcp_access_endpoints (workspace, server_name, server_version);
CREATE INDEX ix_mcp_access_endpoints_alias ON mcp_access_endpoints (workspace, server_name, server_alias);
CREATE INDEX idx_budget_policies_target_value ON budget_policies (target_value);
CREATE INDEX index_trace_info_experiment_id_timestamp_ms ON trace_info (experiment_id, timestamp_ms);
CREATE INDEX index_trace_info_timestamp_ms_request_id ON trace_info (timestamp_ms, request_id);
CREATE INDEX index_assessments_assessment_type ON assessments (assessment_type);
CREATE INDEX index_assessments_last_updated_timestamp ON assessments (last_updated_timestamp);
CREATE INDEX index_assessments_run_id_created_timestamp ON assessments (run_id, created_timestamp);
CREATE INDEX index_assessments_trace_id_created_timestamp ON assessments (trace_id, created_timestamp);
CREATE INDEX index_spans_experiment_id_start_time ON spans (experiment_id, start_time_unix_nano);
CREATE INDEX index_spans_experiment_id_type_status ON spans (experiment_id, type, status);
CREATE INDEX index_spans_experiment_id_duration ON spans (experiment_id, duration_ns);
CREATE INDEX index_spans_experiment_id_status_type ON spans (experiment_id, status, type);
CREATE INDEX index_trace_info_experiment_id_session_id ON trace_info (experiment_id, session_id);
CREATE INDEX idx_trace_rollups_lookup ON sql_trace_metric_daily_rollups (experiment_id, rollup_day, metric_name, grouping_set, trace_status);
CREATE INDEX idx_span_cost_rollups_lookup ON sql_span_cost_daily_rollups (experiment_id, rollup_day, metric_name, grouping_set, model_name, model_provider);
CREATE INDEX idx_assessment_rollups_lookup ON sql_assessment_daily_rollups (experiment_id, rollup_day, metric_name, grouping_set);
CREATE INDEX idx_spans_cost_trace_time_cover ON spans (trace_id, start_time_unix_nano);
CREATE INDEX idx_spans_cost_exp_time_cover ON spans (experiment_id, start_time_unix_nano);
CREATE INDEX idx_assessments_exp_trace_ts ON assessments (experiment_id, trace_timestamp_ms);
CREATE INDEX idx_assessments_exp_trace_ts_name ON assessments (experiment_id, trace_timestamp_ms, name);
CREATE INDEX idx_assessments_exp_name_valid ON assessments (experiment_id, name, valid);
CREATE INDEX index_job_locks_job_id ON job_locks (job_id);
CREATE INDEX index_jobs_status_lease_expires_at ON jobs (status, lease_expires_at);
COMMIT;
