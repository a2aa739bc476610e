-- A PostgreSQL database made by tsnvr 0.1.0 (schema_version 1: storage/schema.py before alembic) with
-- two plates, one user and one event-log row; pg_dump --no-owner --no-privileges --inserts. Read by
-- tests/test_migrations.py, which upgrades it. tsnvr-0.1.0.db is the same for SQLite.
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: auth_sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.auth_sessions (
    token_hash character varying(64) NOT NULL,
    uid character varying(64) NOT NULL,
    created_ms bigint NOT NULL,
    seen_ms bigint NOT NULL,
    address character varying(64) NOT NULL
);


--
-- Name: channels; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.channels (
    chid integer NOT NULL,
    name character varying(256) NOT NULL,
    type character varying(8) NOT NULL,
    source text NOT NULL,
    tcp boolean NOT NULL,
    uid character varying(128),
    password character varying(256),
    substream boolean NOT NULL,
    device_url character varying(512),
    device_name character varying(256),
    playback character varying(8),
    created_ms bigint NOT NULL
);


--
-- Name: event_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.event_log (
    id integer NOT NULL,
    ts_ms bigint NOT NULL,
    end_ms bigint,
    type integer NOT NULL,
    code integer NOT NULL,
    chid integer,
    param text,
    comment text
);


--
-- Name: event_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.event_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: event_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.event_log_id_seq OWNED BY public.event_log.id;


--
-- Name: meta; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.meta (
    key character varying(64) NOT NULL,
    value character varying NOT NULL
);


--
-- Name: object_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.object_log (
    id integer NOT NULL,
    ts_ms bigint NOT NULL,
    chid integer NOT NULL,
    obj_id integer NOT NULL,
    parent_id integer,
    type character varying(16) NOT NULL,
    likelihood double precision NOT NULL,
    attributes text NOT NULL,
    image character varying(512),
    gender character varying(8),
    age character varying(8),
    hat boolean,
    glasses boolean,
    mask boolean,
    bag boolean,
    vehicle_type character varying(16),
    colors character varying(256) NOT NULL,
    top_length character varying(8),
    top_colors character varying(256) NOT NULL,
    bottom_length character varying(8),
    bottom_colors character varying(256) NOT NULL
);


--
-- Name: object_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.object_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: object_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.object_log_id_seq OWNED BY public.object_log.id;


--
-- Name: parking_counts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.parking_counts (
    lot_id integer NOT NULL,
    count integer NOT NULL
);


--
-- Name: parking_counts_lot_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.parking_counts_lot_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: parking_counts_lot_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.parking_counts_lot_id_seq OWNED BY public.parking_counts.lot_id;


--
-- Name: plate_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.plate_log (
    id integer NOT NULL,
    plate_no character varying(32) NOT NULL,
    plate_key character varying(32) NOT NULL,
    score double precision,
    roi_x integer,
    roi_y integer,
    roi_w integer,
    roi_h integer,
    begin_ms bigint NOT NULL,
    end_ms bigint NOT NULL,
    src_code character varying(64) NOT NULL,
    src_name character varying(128) NOT NULL,
    direction character varying(8),
    images text,
    channels character varying(256) NOT NULL,
    chid integer
);


--
-- Name: plate_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.plate_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: plate_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.plate_log_id_seq OWNED BY public.plate_log.id;


--
-- Name: segments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.segments (
    id integer NOT NULL,
    chid integer NOT NULL,
    begin_ms bigint NOT NULL,
    end_ms bigint NOT NULL,
    path character varying(512) NOT NULL,
    size bigint NOT NULL,
    codec character varying(16) NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL
);


--
-- Name: segments_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.segments_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: segments_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.segments_id_seq OWNED BY public.segments.id;


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id integer NOT NULL,
    uid character varying(64) NOT NULL,
    name character varying(128) NOT NULL,
    password_hash character varying(255) NOT NULL,
    rights integer NOT NULL,
    created_ms bigint NOT NULL
);


--
-- Name: users_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.users_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: users_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;


--
-- Name: event_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_log ALTER COLUMN id SET DEFAULT nextval('public.event_log_id_seq'::regclass);


--
-- Name: object_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.object_log ALTER COLUMN id SET DEFAULT nextval('public.object_log_id_seq'::regclass);


--
-- Name: parking_counts lot_id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.parking_counts ALTER COLUMN lot_id SET DEFAULT nextval('public.parking_counts_lot_id_seq'::regclass);


--
-- Name: plate_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.plate_log ALTER COLUMN id SET DEFAULT nextval('public.plate_log_id_seq'::regclass);


--
-- Name: segments id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segments ALTER COLUMN id SET DEFAULT nextval('public.segments_id_seq'::regclass);


--
-- Name: users id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);


--
-- Data for Name: auth_sessions; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: channels; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: event_log; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.event_log VALUES (1, 1796532296528, NULL, 0, 10, NULL, '{"n": 1}', NULL);


--
-- Data for Name: meta; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.meta VALUES ('schema_version', '1');


--
-- Data for Name: object_log; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: parking_counts; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: plate_log; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.plate_log VALUES (1, '12가3456', '12가3456', NULL, NULL, NULL, NULL, NULL, 1530114126575, 1530114128575, 'gate-a', '', NULL, NULL, ',1,2,', NULL);
INSERT INTO public.plate_log VALUES (2, '99XY123', '99XY123', NULL, NULL, NULL, NULL, NULL, 1530114226575, 1530114228575, 'gate-b', '', NULL, NULL, ',', NULL);


--
-- Data for Name: segments; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: users; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.users VALUES (1, 'op1', 'op1', '$argon2id$v=19$m=65536,t=3,p=4$53d4qycWJNriTcsFpmyYww$SPTcDk74qkWYRa5wN8YrpDGpMGlDOeOG8tBL7U/hQPk', 48, 1796532296389);


--
-- Name: event_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.event_log_id_seq', 1, true);


--
-- Name: object_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.object_log_id_seq', 1, false);


--
-- Name: parking_counts_lot_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.parking_counts_lot_id_seq', 1, false);


--
-- Name: plate_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.plate_log_id_seq', 2, true);


--
-- Name: segments_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.segments_id_seq', 1, false);


--
-- Name: users_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.users_id_seq', 1, true);


--
-- Name: auth_sessions auth_sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.auth_sessions
    ADD CONSTRAINT auth_sessions_pkey PRIMARY KEY (token_hash);


--
-- Name: channels channels_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.channels
    ADD CONSTRAINT channels_pkey PRIMARY KEY (chid);


--
-- Name: event_log event_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_log
    ADD CONSTRAINT event_log_pkey PRIMARY KEY (id);


--
-- Name: meta meta_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meta
    ADD CONSTRAINT meta_pkey PRIMARY KEY (key);


--
-- Name: object_log object_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.object_log
    ADD CONSTRAINT object_log_pkey PRIMARY KEY (id);


--
-- Name: parking_counts parking_counts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.parking_counts
    ADD CONSTRAINT parking_counts_pkey PRIMARY KEY (lot_id);


--
-- Name: plate_log plate_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.plate_log
    ADD CONSTRAINT plate_log_pkey PRIMARY KEY (id);


--
-- Name: segments segments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.segments
    ADD CONSTRAINT segments_pkey PRIMARY KEY (id);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: ix_auth_sessions_seen_ms; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_auth_sessions_seen_ms ON public.auth_sessions USING btree (seen_ms);


--
-- Name: ix_auth_sessions_uid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_auth_sessions_uid ON public.auth_sessions USING btree (uid);


--
-- Name: ix_event_log_ts_ms; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_event_log_ts_ms ON public.event_log USING btree (ts_ms);


--
-- Name: ix_event_log_type; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_event_log_type ON public.event_log USING btree (type);


--
-- Name: ix_object_log_chid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_object_log_chid ON public.object_log USING btree (chid);


--
-- Name: ix_object_log_ts_ms; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_object_log_ts_ms ON public.object_log USING btree (ts_ms);


--
-- Name: ix_object_log_type; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_object_log_type ON public.object_log USING btree (type);


--
-- Name: ix_plate_log_begin_ms; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_plate_log_begin_ms ON public.plate_log USING btree (begin_ms);


--
-- Name: ix_plate_log_key_begin; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_plate_log_key_begin ON public.plate_log USING btree (plate_key, begin_ms);


--
-- Name: ix_plate_log_src_code; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_plate_log_src_code ON public.plate_log USING btree (src_code);


--
-- Name: ix_segments_chid_begin; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_segments_chid_begin ON public.segments USING btree (chid, begin_ms);


--
-- Name: ix_segments_end_ms; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_segments_end_ms ON public.segments USING btree (end_ms);


--
-- Name: ix_users_uid; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_users_uid ON public.users USING btree (uid);


--
-- PostgreSQL database dump complete
--


